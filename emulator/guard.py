"""Who is calling (bearer auth) and whether they may call now (per-caller rate limit)."""

from __future__ import annotations

import collections
import math
import re
import threading

from .config import Clock

#: RFC 6750 ``b64token``: the characters a bearer token may have
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


#: what a key named with ``--api-key`` may hold: visible ASCII and inner spaces (the official
#: SDK's test suite sends ``Bearer My Auth Token``), never a control character
_NAMED_KEY = re.compile(r"[!-~]([ -~]*[!-~])?")


def valid_api_key(key: str) -> bool:
    """Whether ``key`` can be an accepted API key: printable ASCII, no control characters,
    no leading or trailing space (an HTTP header value loses those)."""
    return bool(_NAMED_KEY.fullmatch(key))


def bearer_token(header: str | None, named: frozenset[str] = frozenset()) -> tuple[str | None, str]:
    """``(token, "")`` from an ``Authorization`` header value, or ``(None, why)`` (one line).

    The scheme is case-insensitive (RFC 7235); the token must be an RFC 6750 b64token, or
    exactly one of the keys in ``named`` (those given with ``--api-key``, which may hold
    spaces). The reason never repeats the header's value.
    """
    if header is None:
        return None, "missing Authorization header; send 'Authorization: Bearer <api key>'"
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None, "the Authorization scheme must be Bearer"
    token = token.strip()
    if not token:
        return None, "the bearer token is empty"
    if token in named:
        return token, ""
    if not _TOKEN.fullmatch(token):
        return None, "the bearer token is malformed (allowed: letters, digits and -._~+/ then =)"
    return token, ""


class RateLimiter:
    """At most ``limit`` hits per key in any ``window`` seconds (a sliding log); ``limit=0``
    allows everything. Kept in memory: a restart forgets it. Thread-safe."""

    def __init__(self, limit: int, window: float, clock: Clock):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int:
        """Record a hit for ``key`` if allowed; returns 0 when allowed, else the whole seconds
        (>= 1) until the next hit would be allowed (a refused hit is not recorded)."""
        if self.limit <= 0:
            return 0
        now = self.clock()
        with self._lock:
            log = self._hits.setdefault(key, collections.deque())
            while log and log[0] <= now - self.window:
                log.popleft()
            if len(log) >= self.limit:
                return max(1, math.ceil(log[0] + self.window - now))
            log.append(now)
            return 0
