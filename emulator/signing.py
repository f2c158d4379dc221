"""Presigned output URLs: ``/outputs/{generation_id}/{n}.{ext}?expires=T&sig=HEX``.

``sig`` is HMAC-SHA256 (hex) over ``"{generation_id}/{n}.{ext}\\n{T}"`` with the database's
secret; ``T`` is the expiry time in whole epoch seconds.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re

from .config import OUTPUTS_PREFIX

_DIGITS = re.compile(r"[0-9]{1,12}")


def _mac(secret: bytes, name: str, expires: int) -> str:
    return hmac.new(secret, f"{name}\n{expires}".encode(), hashlib.sha256).hexdigest()


def output_name(generation_id: str, index: int, ext: str) -> str:
    """The signed part of an output's path: ``"{generation_id}/{index}.{ext}"``."""
    return f"{generation_id}/{index}.{ext}"


def sign_path(secret: bytes, name: str, now: float, ttl: int) -> str:
    """The path and query of output ``name`` valid for ``ttl`` seconds from ``now`` (epoch s).

    Returns e.g. ``"/outputs/<id>/0.png?expires=1767229200&sig=<64 hex>"``.
    """
    expires = int(math.ceil(now)) + ttl
    return f"{OUTPUTS_PREFIX}/{name}?expires={expires}&sig={_mac(secret, name, expires)}"


def check_signature(secret: bytes, name: str, expires: str | None, sig: str | None, now: float) -> str:
    """Why the URL of output ``name`` is refused (a one-line reason), or ``""`` if it is valid.

    ``expires`` and ``sig`` are the raw query values (None when absent); ``now`` epoch seconds.
    """
    if not expires or not sig:
        return "the URL is not signed (expires and sig are required)"
    if not _DIGITS.fullmatch(expires):
        return "the URL's expires is not a time"
    if not hmac.compare_digest(_mac(secret, name, int(expires)).encode(), sig.lower().encode()):
        return "the URL's signature does not match"
    if int(expires) < now:
        return "the URL has expired; poll the generation again for a fresh one"
    return ""
