"""Updates per second of the playground's live views, as a browser tab receives them.

Starts ``layerwise playground`` (pinned to 2 cores with ``taskset`` where it exists), opens
``--tabs`` WebSocket clients, presses play in each with one setting, and counts the frames each
tab receives in ``--seconds``; repeated ``--reps`` times. Prints, per setting, the median and
range of frames per second per tab, epochs per second and the frame size. The issue's target:
at least 10 updates a second while training on a 2-core machine.

    .venv/bin/python benchmarks/bench_playground.py [--tabs 2] [--seconds 5] [--reps 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import time

from websockets.asyncio.client import connect

SETTINGS = {
    "flower, [4] tanh, full batch (the default)": {},
    "spiral, [8, 8, 8] relu, batch 32": {
        "dataset": "spiral",
        "layers": "8,8,8",
        "activation": "relu",
        "init": "he",
        "learning_rate": 0.05,
        "batch_size": 32,
    },
    "circles 2000 examples, [64, 64] tanh, Adam, batch 64": {
        "dataset": "circles",
        "examples": 2000,
        "layers": "64,64",
        "optimizer": "adam",
        "learning_rate": 0.01,
        "batch_size": 64,
    },
}


async def tab(url: str, changes: dict, seconds: float) -> tuple[int, int, float]:
    """Frames received, epochs trained, mean frame size in bytes."""
    async with connect(url, max_size=2**24) as ws:
        for _ in range(3):  # hello, state, frame
            await ws.recv()
        # No epoch limit: the tab trains for all the seconds (the page stops at 10,000).
        config = {"max_epochs": "none", **changes}
        await ws.send(json.dumps({"type": "config", "config": config}))
        await ws.send('{"type": "play"}')
        frames, sizes, first, last = 0, 0, None, 0
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            try:
                text = await asyncio.wait_for(ws.recv(), left)
            except TimeoutError:
                break
            message = json.loads(text)
            if message["type"] == "frame" and message["running"]:
                frames, sizes, last = frames + 1, sizes + len(text), message["epoch"]
                first = message["epoch"] if first is None else first
        await ws.send('{"type": "pause"}')
        return frames, last - (first or 0), sizes / max(frames, 1)


async def measure(url: str, changes: dict, tabs: int, seconds: float):
    return await asyncio.gather(*(tab(url, changes, seconds) for _ in range(tabs)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tabs", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--only", help="run the settings whose name contains this text")
    args = parser.parse_args()
    command = [sys.executable, "-m", "layerwise", "playground", "--port", "0", "--no-browser"]
    if shutil.which("taskset"):
        command = ["taskset", "-c", "0,1", *command]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        url = server.stdout.readline().split()[2].replace("http://", "ws://") + "ws"
        print(f"{args.tabs} tabs at once, {args.seconds:g} s, {args.reps} repetitions, 2 cores\n")
        print("| setting | updates/s per tab | epochs/s per tab | frame size |")
        print("|---|---|---|---|")
        worst = float("inf")
        for name, changes in SETTINGS.items():
            if args.only and args.only not in name:
                continue
            fps, eps, size = [], [], []
            for _ in range(args.reps):
                for frames, epochs, nbytes in asyncio.run(
                    measure(url, changes, args.tabs, args.seconds)
                ):
                    fps.append(frames / args.seconds)
                    eps.append(epochs / args.seconds)
                    size.append(nbytes)
            worst = min(worst, min(fps))
            print(
                f"| {name} | {statistics.median(fps):.1f} ({min(fps):.1f}–{max(fps):.1f}) "
                f"| {statistics.median(eps):,.0f} ({min(eps):,.0f}–{max(eps):,.0f}) "
                f"| {statistics.median(size) / 1024:.1f} KiB |"
            )
        print(f"\nslowest tab: {worst:.1f} updates/s (target: 10)")
        return 0 if worst >= 10 else 1
    finally:
        server.terminate()
        server.wait()
        server.stdout.close()


if __name__ == "__main__":
    sys.exit(main())
