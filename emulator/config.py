"""The emulator's settings, its clocks and the facts it takes from the generated package.

Everything the spec decides (failure codes, generation types, models) is read from
``luma_gen`` here, once, so no second list is kept by hand.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Literal, get_args, get_origin

from luma_gen import models

#: path of the spec's only server (``https://agents.lumalabs.ai/v1``); the official SDK is used
#: with ``base_url="http://HOST:PORT/v1"``. ``tests/test_emulator.py`` checks it against the spec.
API_PREFIX = "/v1"
#: where the presigned output files live, outside the API (like a CDN host would be)
OUTPUTS_PREFIX = "/outputs"
#: largest request body accepted by default, in bytes (10 MiB; larger: 413 payload_too_large).
#: Inline base64 media (``data``) is what makes bodies big: 10 MiB holds a ~7.5 MB file.
MAX_BODY = 10 * 1024 * 1024
#: success status of createGeneration: the first one the spec declares (201; it also lists 200)
CREATE_STATUS = 201


def _literals(model: type, field: str) -> tuple[str, ...]:
    """The string values a field of a generated pydantic model allows, in the spec's order.

    Works whether the generator emits the enum as ``Literal[...]`` inline, as a
    ``RootModel[Literal[...]]`` class, or either of them ``| None``.
    """
    found: list[str] = []

    def walk(annotation: object) -> None:
        root = getattr(annotation, "model_fields", {}).get("root")
        if root is not None:
            walk(root.annotation)
        elif get_origin(annotation) is Literal:
            found.extend(a for a in get_args(annotation) if isinstance(a, str) and a not in found)
        else:
            for arg in get_args(annotation):
                walk(arg)

    walk(model.model_fields[field].annotation)
    if not found:
        raise RuntimeError(f"luma_gen.models.{model.__name__}.{field} is no enum of strings")
    return tuple(found)


#: failure codes of the spec's GenerationFailureCode enum
FAILURE_CODES: tuple[str, ...] = _literals(models.Generation, "failure_code")
#: the spec's GenerationType enum
GENERATION_TYPES: tuple[str, ...] = _literals(models.Generation, "type")
#: the spec's Model enum
MODELS: tuple[str, ...] = _literals(models.Generation, "model")
#: the spec's OutputFormat enum
OUTPUT_FORMATS: tuple[str, ...] = _literals(models.GenerationCreateParams, "output_format")
#: the generation types whose output is a video; every other type yields an image
VIDEO_TYPES: frozenset[str] = frozenset(t for t in GENERATION_TYPES if t.startswith("video"))
#: the generation type that decomposes its source image into layers (SDK 0.5.0)
LAYERING_TYPE = "layering"
if LAYERING_TYPE not in GENERATION_TYPES:  # pragma: no cover - the spec and the emulator disagree
    raise RuntimeError(f"the spec's GenerationType has no {LAYERING_TYPE!r}")
#: model used when the request names none (the spec: uni-1 for image types, ray-3.2 for video)
DEFAULT_IMAGE_MODEL = "uni-1"
DEFAULT_VIDEO_MODEL = "ray-3.2"


def output_kind(generation_type: str) -> str:
    """``"video"`` for the video types, ``"image"`` for the others (the output's media kind)."""
    return "video" if generation_type in VIDEO_TYPES else "image"


def default_model(generation_type: str) -> str:
    """The model the spec says serves ``generation_type`` when the request names none."""
    return DEFAULT_VIDEO_MODEL if generation_type in VIDEO_TYPES else DEFAULT_IMAGE_MODEL


Clock = Callable[[], float]
"""A clock: returns the current time in seconds since the Unix epoch (float)."""


class ManualClock:
    """A clock that only moves when told to, for deterministic tests.

    ``clock()`` returns the current time (epoch seconds); ``advance(seconds)`` moves it forward;
    ``set(t)`` jumps to ``t``. Thread-safe.
    """

    def __init__(self, start: float = 1_767_225_600.0):  # 2026-01-01T00:00:00Z
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (>= 0); returns the new time."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, t: float) -> None:
        """Set the clock to ``t`` (epoch seconds)."""
        with self._lock:
            self._now = float(t)


@dataclass(frozen=True)
class EmulatorConfig:
    """Settings of one emulator.

    * ``db``: SQLite file path, or ``":memory:"`` (jobs then die with the process);
    * ``complete_after``: seconds from creation until a job is completed (or failed); the first
      quarter of that time it is ``queued``, the rest ``processing``. ``0``: done at once;
    * ``rate_limit`` / ``rate_window``: at most ``rate_limit`` API requests per caller in any
      ``rate_window`` seconds, else 429 with ``Retry-After``; ``rate_limit=0`` turns it off;
    * ``url_ttl``: seconds an output URL stays valid (the real presigned URLs: 1 hour);
    * ``marker_retry_after``: the ``Retry-After`` seconds of a 429 forced by a prompt marker;
    * ``max_body``: largest request body accepted, in bytes (larger: 413, see
      :data:`MAX_BODY`);
    * ``api_keys``: the bearer tokens accepted; empty (the default): any well-formed token,
      each a caller of its own. Kept out of ``repr()`` so a logged config leaks no key. A key
      named here may hold inner spaces (``My Auth Token``, the official SDK's test token);
    * ``at_root``: also answer the API at the server's root (``/generations`` beside
      ``/v1/generations``), as the official SDK's own test suite expects of a mock server;
      off by default, so a base URL without ``/v1`` fails here as it does against the API;
    * ``mock_unknown_ids``: a read of a generation id nobody created answers 200 with a
      completed generation under that id (as a stateless mock such as Prism answers any id),
      for test suites that read ids no server issued (likewise a file id: a ready PNG, and a
      list cursor: an empty last page); off by default (404). Ids another caller owns stay
      404 either way.
    """

    db: str = "luma-emulator.db"
    complete_after: float = 2.0
    rate_limit: int = 600
    rate_window: float = 60.0
    url_ttl: int = 3600
    marker_retry_after: int = 1
    max_body: int = MAX_BODY
    api_keys: frozenset[str] = field(default=frozenset(), repr=False)
    at_root: bool = False
    mock_unknown_ids: bool = False

    def __post_init__(self) -> None:
        if self.complete_after < 0:
            raise ValueError("complete_after must be >= 0 seconds")
        if self.rate_limit < 0:
            raise ValueError("rate_limit must be >= 0 (0 turns it off)")
        if self.rate_window <= 0:
            raise ValueError("rate_window must be > 0 seconds")
        if self.url_ttl <= 0:
            raise ValueError("url_ttl must be > 0 seconds")
        if self.marker_retry_after < 0:
            raise ValueError("marker_retry_after must be >= 0 seconds")
        if self.max_body < 1:
            raise ValueError("max_body must be >= 1 byte")
        object.__setattr__(self, "api_keys", frozenset(self.api_keys))


def system_clock() -> float:
    """The wall clock (``time.time()``): epoch seconds."""
    return time.time()
