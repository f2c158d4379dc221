"""Serving the app: a bound listening socket, and uvicorn on it."""

from __future__ import annotations

import socket
from typing import Any


def bind(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``(host, port)`` (port 0: any free one), ready for uvicorn.

    Created with ``proto=IPPROTO_TCP`` so asyncio sets TCP_NODELAY on every connection (it
    checks the proto); without it each response waits ~40 ms on Nagle's algorithm. Raises
    ``OSError`` if the address cannot be bound (in use, unknown host, no permission).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)  # from now on connections queue until uvicorn accepts them
    except OSError:
        sock.close()
        raise
    return sock


def server(app: Any, log_level: str = "info", access_log: bool = True) -> Any:
    """A ``uvicorn.Server`` for ``app``; run it with ``.run(sockets=[bind(host, port)])``."""
    import uvicorn

    return uvicorn.Server(uvicorn.Config(app, log_level=log_level, access_log=access_log, lifespan="on"))
