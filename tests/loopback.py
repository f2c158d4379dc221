"""A loopback HTTP server for client tests of small specs: it records what arrives (method,
raw path, raw query, headers, body) and answers with a handler of the test's choosing."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import uvicorn
from starlette.requests import Request
from starlette.responses import Response


@dataclass
class Arrived:
    """One request as the server saw it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Loopback:
    """A running server: ``url`` (``http://127.0.0.1:PORT``) and every request it got."""

    url: str
    seen: list[Arrived] = field(default_factory=list)

    def last(self) -> Arrived:
        """The most recent request (fails the test if none arrived)."""
        assert self.seen, "no request arrived"
        return self.seen[-1]


@contextlib.contextmanager
def serve(answer: Callable[[Arrived], Response]) -> Iterator[Loopback]:
    """Serve ``answer`` on a free loopback port in a thread until the block ends."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    box = Loopback(f"http://127.0.0.1:{port}")

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        arrived = Arrived(request.method, scope["raw_path"].decode("latin-1"), scope["query_string"].decode("latin-1"),
                          {k.lower(): v for k, v in request.headers.items()}, await request.body())
        box.seen.append(arrived)
        await answer(arrived)(scope, receive, send)

    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the loopback server did not start"
        time.sleep(0.01)
    try:
        yield box
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
