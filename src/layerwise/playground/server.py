"""The playground's web server: the page, its files, and one WebSocket per tab.

Every tab gets its own :class:`~layerwise.playground.session.Session` and a worker task that
owns it: the worker runs the session's ``handle`` and ``tick`` in a thread (``asyncio.to_thread``)
so training never blocks the server, and sends what they return. The receiving side checks every
message with :func:`~layerwise.playground.schema.parse` before anything acts on it; a bad one is
answered with an ``error`` message, and the connection, the worker and every other tab go on.
At most ``max_sessions`` tabs train at once (each costs a core while it plays: 50 playing tabs
made a new one wait 7 s to connect); the tab over the cap is told so on its page and closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import FileResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..outputs import TASKS
from .datasets import DATASETS
from .schema import (
    ACTIVATIONS,
    INITS,
    LABELS,
    LIMITS,
    MAX_HIDDEN_LAYERS,
    MAX_SESSIONS,
    MAX_UNITS,
    OPTIMIZERS,
    PRESETS,
    STEPS,
    MessageError,
    parse,
)
from .session import Session

STATIC = Path(__file__).parent / "static"
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1", "[::1]")
FRAME_SECONDS = 1 / 20  # at most 20 updates a second per tab
MAX_QUEUED = 32  # commands waiting for the worker; more is a flood, answered with an error
TRY_AGAIN_LATER = 1013  # the WebSocket close code for "the server is busy"
log = logging.getLogger("layerwise.playground")


def hello() -> dict[str, Any]:
    """The first message: the choices and ranges the page offers. The page builds its
    controls from it (menus, sliders' ranges and steps), so it shows no name or limit of its
    own: ``tasks`` holds the output layer of each data set's task, from the core's table."""
    return {
        "type": "hello",
        "datasets": {name: d.description for name, d in DATASETS.items()},
        "tasks": {
            d.task: {"output": TASKS[d.task].output, "loss": TASKS[d.task].loss}
            for d in DATASETS.values()
        },
        "activations": list(ACTIVATIONS),
        "inits": list(INITS),
        "optimizers": list(OPTIMIZERS),
        "limits": LIMITS,
        "steps": STEPS,
        "presets": PRESETS,
        "labels": LABELS,
        "max_hidden_layers": MAX_HIDDEN_LAYERS,
        "max_units": MAX_UNITS,
    }


def _same_origin(ws: WebSocket) -> bool:
    """A browser's WebSocket must come from our own page: another site open in the same
    browser may not drive (or load) the playground. Clients without Origin are not browsers."""
    origin = ws.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == ws.headers.get("host")


async def _worker(session: Session, queue: asyncio.Queue, send) -> None:
    """Own ``session``: apply commands in order; while running, one update per frame."""
    loop = asyncio.get_running_loop()
    while True:
        command = None
        if session.running and queue.empty():
            start = loop.time()
            messages = await _call(session, session.tick)
            await send(messages)
            wait = FRAME_SECONDS - (loop.time() - start)
            if wait <= 0:
                await asyncio.sleep(0)  # let the receiver in
                continue
            with contextlib.suppress(TimeoutError):
                command = await asyncio.wait_for(queue.get(), wait)
            if command is None:
                continue
        else:
            command = await queue.get()
        await send(await _call(session, session.handle, command))


async def _call(session: Session, method, *args) -> list[dict[str, Any]]:
    """``method(*args)`` in a thread; an unexpected failure pauses the session and is shown
    on the page instead of ending the connection."""
    try:
        return await asyncio.to_thread(method, *args)
    except Exception as err:  # a bug must not take the tab's connection down
        log.exception("playground session failed")
        session.running = False
        return [{"type": "error", "message": f"internal error ({type(err).__name__}: {err})."}]


class Slots:
    """The open tabs, at most ``limit``: ``take`` reserves one (False when all are taken)."""

    def __init__(self, limit: int) -> None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(
                f"max_sessions must be a positive integer, got {limit!r}. Hint: it is how many "
                f"tabs may be open at once (default {MAX_SESSIONS})."
            )
        self.limit, self.open = limit, 0

    def take(self) -> bool:
        if self.open >= self.limit:
            return False
        self.open += 1
        return True

    def give_back(self) -> None:
        self.open -= 1

    def full_message(self) -> str:
        # A close reason holds at most 123 bytes: this one stays well under.
        tabs = "1 tab is" if self.limit == 1 else f"{self.limit} tabs are"
        return (
            f"The playground is full: {tabs} open (--max-sessions {self.limit}). "
            "Close one and reload this page."
        )


async def _refuse(ws: WebSocket, text: str) -> None:
    """Tell a tab over the cap why, on its page, then close it with 'try again later'."""
    await ws.accept()
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await ws.send_text(json.dumps({"type": "error", "message": text}))
        await ws.close(code=TRY_AGAIN_LATER, reason=text)


async def playground_socket(ws: WebSocket) -> None:
    """One tab, if a slot is free: its session lives as long as its connection."""
    if not _same_origin(ws):
        await ws.close(code=1008)
        return
    slots: Slots = ws.app.state.slots
    if not slots.take():
        await _refuse(ws, slots.full_message())
        return
    try:
        await _serve(ws)
    finally:
        slots.give_back()


async def _serve(ws: WebSocket) -> None:
    """Receive and check messages, hand them to the worker, send its messages."""
    await ws.accept()
    lock = asyncio.Lock()

    async def send(messages: list[dict[str, Any]]) -> None:
        async with lock:
            for message in messages:
                try:
                    text = json.dumps(message, allow_nan=False)
                except ValueError as err:  # a NaN that slipped through: say so, go on
                    log.exception("playground message not sent")
                    text = json.dumps({"type": "error", "message": f"internal error ({err})."})
                await ws.send_text(text)

    session = await asyncio.to_thread(Session)
    await send([hello(), session.state(), session.frame()])
    queue: asyncio.Queue = asyncio.Queue(maxsize=MAX_QUEUED)
    worker = asyncio.create_task(_worker(session, queue, send))
    try:
        while not worker.done():
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            try:
                text = message.get("text")
                command = parse(text if text is not None else message.get("bytes"))
                queue.put_nowait(command)
            except MessageError as err:
                await send([{"type": "error", "message": str(err)}])
            except asyncio.QueueFull:
                await send([{"type": "error", "message": "too many messages at once; wait."}])
    except (WebSocketDisconnect, RuntimeError):
        pass  # the tab went away mid-send
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
            await worker


async def index(request) -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def create_app(
    allowed_hosts: Sequence[str] | None = None, max_sessions: int = MAX_SESSIONS
) -> Starlette:
    """The playground as an ASGI app: ``/`` the page, ``/static`` its files, ``/ws`` a tab.

    ``allowed_hosts``: the names the browser may call the server by (the Host header); a server
    on loopback passes ``LOOPBACK_NAMES``, so that a web page whose name is made to point at
    127.0.0.1 (DNS rebinding) cannot reach it. None: any name. ``max_sessions``: how many tabs
    may be open at once; the next one gets an ``error`` message and is closed (code 1013).
    """
    slots = Slots(max_sessions)
    middleware = []
    if allowed_hosts is not None:
        middleware.append(Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts)))
    app = Starlette(
        routes=[
            Route("/", index),
            WebSocketRoute("/ws", playground_socket),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=middleware,
    )
    app.state.slots = slots
    return app
