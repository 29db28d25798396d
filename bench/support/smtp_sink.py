"""An SMTP sink for the benchmarks, in processes of its own: aiosmtpd on a loopback port
accepts every message and counts them per recipient; on SIGTERM each process writes its counts
as JSON and exits.

    python bench/support/smtp_sink.py PORT COUNTS.json [PROCESSES]

With PROCESSES > 1 the port is opened by that many processes with SO_REUSEPORT and the kernel
spreads the connections among them, as a real mail server accepts in parallel: what the bench
measures is the sending side, not one Python process speaking SMTP. Process n writes
COUNTS.json.n; "ready" is printed once every process listens.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import signal
import sys
import threading
from collections import Counter
from typing import Any

from aiosmtpd.smtp import SMTP


class Counting:
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.counts.update(envelope.rcpt_tos)
        return "250 OK"


async def serve_async(port: int, handler: Counting, listening: Any) -> None:
    """aiosmtpd's SMTP protocol on an asyncio server of our own: its Controller checks that it
    answers by connecting to the port, which with SO_REUSEPORT may reach a sibling."""
    loop = asyncio.get_running_loop()
    stopped = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stopped.set)
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="sink.invalid"),
        host="127.0.0.1",
        port=port,
        reuse_port=True,
    )
    listening.release()
    async with server:
        await stopped.wait()


def serve(port: int, out: str, listening: Any) -> None:
    handler = Counting()
    asyncio.run(serve_async(port, handler, listening))
    with open(out, "w") as f:
        json.dump(dict(handler.counts), f)


def main() -> None:
    port, out = int(sys.argv[1]), sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    context = multiprocessing.get_context("fork")
    ready = context.Semaphore(0)
    children = [
        context.Process(target=serve, args=(port, f"{out}.{n}", ready)) for n in range(count)
    ]
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # until the children are forked
    for child in children:
        child.start()
    for _ in children:
        ready.acquire()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    for child in children:
        child.terminate()  # SIGTERM: each writes its counts
    for child in children:
        child.join()


if __name__ == "__main__":
    main()
