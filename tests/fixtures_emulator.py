"""Pytest fixtures: a real emulator served by uvicorn on a free loopback port.

Registered in ``conftest.py`` with ``pytest_plugins = ["fixtures_emulator"]``. Use:

* ``emulator_url`` (session): ``"http://127.0.0.1:PORT/v1"``, the SDK's ``base_url``; fast
  clock (jobs complete 0.2 s after creation), no rate limit, database in memory;
* ``emulator`` (session): the same server as a :class:`RunningEmulator` (``.url``, ``.root``,
  ``.config``, ``.clock``);
* ``emulator_token`` (function): a fresh bearer token, i.e. a caller of its own, so tests
  sharing the session's emulator never see each other's generations;
* ``running_emulator(**options)``: a context manager for a server of your own (another
  clock such as ``ManualClock``, a rate limit, a database file), e.g.
  ``with running_emulator(rate_limit=2, clock=ManualClock()) as emu: ...``.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Iterator

import pytest
from luma_emulator import API_PREFIX, EmulatorConfig, create_app
from luma_emulator.config import Clock, system_clock
from luma_emulator.serve import bind
from luma_emulator.serve import server as make_server

#: settings of the session's emulator: fast clock, no rate limit, database in memory
FAST = {"db": ":memory:", "complete_after": 0.2, "rate_limit": 0}
STARTUP_TIMEOUT = 10.0


@dataclass
class RunningEmulator:
    """A served emulator: ``url`` is the API base (``http://127.0.0.1:PORT/v1``), ``root`` the
    server root (``http://127.0.0.1:PORT``), ``app`` the Starlette app."""

    url: str
    root: str
    config: EmulatorConfig
    clock: Clock
    app: Any


@contextlib.contextmanager
def running_emulator(clock: Clock = system_clock, **options: Any) -> Iterator[RunningEmulator]:
    """Serve an emulator in a background thread until the ``with`` block ends.

    ``options`` are :class:`emulator.EmulatorConfig` fields, over :data:`FAST`. The port is
    bound before the server starts, so there is no race for it. Raises ``RuntimeError`` if
    the server does not start within :data:`STARTUP_TIMEOUT` seconds.
    """
    config = EmulatorConfig(**{**FAST, **options})
    app = create_app(config, clock)
    sock = bind("127.0.0.1", 0)  # TCP_NODELAY-ready, see emulator.serve.bind
    port = sock.getsockname()[1]
    server = make_server(app, log_level="warning", access_log=False)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"emulator-{port}")
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            raise RuntimeError(f"the emulator did not start on 127.0.0.1:{port}")
        time.sleep(0.01)
    root = f"http://127.0.0.1:{port}"
    try:
        yield RunningEmulator(url=root + API_PREFIX, root=root, config=config, clock=clock, app=app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def emulator() -> Iterator[RunningEmulator]:
    """The session's emulator (fast clock, no rate limit, in-memory database)."""
    with running_emulator() as running:
        yield running


@pytest.fixture(scope="session")
def emulator_url(emulator: RunningEmulator) -> str:
    """Base URL of the session's emulator: ``http://127.0.0.1:PORT/v1``."""
    return emulator.url


@pytest.fixture
def emulator_token() -> str:
    """A fresh bearer token: a caller no other test shares."""
    return f"test-{uuid.uuid4().hex}"
