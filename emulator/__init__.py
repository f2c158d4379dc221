"""A local emulator of the Luma Agents API (``POST /generations``, ``GET /generations/{id}``),
written by hand on top of the generated package ``luma_gen``: its validators judge every
request, its models' enums give the failure codes, types and models.

``create_app(EmulatorConfig(...), clock)`` builds the ASGI app; ``luma-emulator`` serves it.
See ``emulator/README.md``.
"""

from .app import create_app
from .config import API_PREFIX, EmulatorConfig, ManualClock
from .store import StoreError

__all__ = ["API_PREFIX", "EmulatorConfig", "ManualClock", "StoreError", "create_app"]
