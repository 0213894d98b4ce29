"""``layerwise playground``: start the server, print its URL, open the page."""

from __future__ import annotations

import argparse
import ipaddress
import socket
import threading
import webbrowser

from ..playground.schema import MAX_SESSIONS

DEFAULT_PORT = 8765
MAX_MESSAGE_BYTES = 1 << 20  # the WebSocket frame limit; the schema's is far lower


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be from 0 to 65535 (0: any free port), got {text}")
    return value


def _sessions(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of tabs, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return value


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``playground`` on the ``layerwise`` command's sub-parsers."""
    p = subparsers.add_parser(
        "playground",
        help="a live network in the browser: watch layerwise train on 2-D data",
        description="Start a local web server and open a page where a network trains live "
        "on 2-D data (needs `pip install 'layerwise[playground]'`).",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    p.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}; 0: any free"
    )
    p.add_argument(
        "--max-sessions",
        type=_sessions,
        default=MAX_SESSIONS,
        help=f"tabs open at once (default {MAX_SESSIONS}); the next one is told the "
        "playground is full",
    )
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.set_defaults(handler=run)
    return p


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
    with_brackets = ":" in shown and not shown.startswith("[")
    return f"http://{f'[{shown}]' if with_brackets else shown}:{port}/"


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl+C; return the exit code."""
    try:
        import uvicorn
        from threadpoolctl import threadpool_limits

        from ..playground.server import LOOPBACK_NAMES, create_app
    except ImportError as err:
        raise ImportError(
            f"layerwise playground needs its extra ({err.name} is missing): "
            "pip install 'layerwise[playground]'"
        ) from None
    host = args.host.strip("[]")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, args.port))
        sock.listen(128)  # connections wait in the backlog until the server accepts them
    except OSError as err:
        sock.close()
        raise OSError(
            f"cannot listen on {host}:{args.port} ({err.strerror}); "
            "hint: --port 0 picks a free port"
        ) from None
    url = _url(host, sock.getsockname()[1])
    print(f"layerwise playground: {url}  (Ctrl+C stops it)", flush=True)
    if not _is_loopback(host):
        print(
            f"warning: listening on {host}: anyone who can reach this machine can use it",
            flush=True,
        )
    # Each tab trains small matrices in its own thread: BLAS threads on top of that only
    # fight over the cores (2 tabs on 2 busy cores: 1 update a second instead of 15).
    threadpool_limits(limits=1, user_api="blas")
    if not args.no_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    app = create_app(LOOPBACK_NAMES if _is_loopback(host) else None, args.max_sessions)
    config = uvicorn.Config(
        app, log_level="warning", ws_max_size=MAX_MESSAGE_BYTES, ws_ping_interval=None
    )
    uvicorn.Server(config).run(sockets=[sock])
    return 0
