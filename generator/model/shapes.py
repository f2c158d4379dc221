"""Small readings of OpenAPI shapes for :mod:`genspec.model.parse`: parameter styles per
location, media type kinds, the media type a body is sent as, operationIds derived from
method and path, and server URLs with their variables."""

from __future__ import annotations

import re
from typing import Any

from genspec.load.naming import snake

_PATH_PARAM = re.compile(r"\{([^{}]+)\}")

DEFAULT_STYLE = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
STYLES = {
    "path": ("simple", "label", "matrix"),
    "query": ("form", "spaceDelimited", "pipeDelimited", "deepObject"),
    "header": ("simple",),
    "cookie": ("form",),
}


def media_kind(media: str) -> str:
    """``json``, ``form``, ``multipart``, ``text`` or ``binary`` for a media type (range)."""
    base = media.split(";")[0].strip().lower()
    if base == "application/json" or base.endswith("+json") or base == "*/*":
        return "json"
    if base == "application/x-www-form-urlencoded":
        return "form"
    if base.startswith("multipart/"):
        return "multipart"
    if base.startswith("text/"):
        return "text"
    return "binary"


def pick_media(content: dict) -> str | None:
    """The media type a request body is sent as: JSON first, then form, multipart, text, bytes."""
    names = [m for m in content if isinstance(m, str)]
    for kind in ("json", "form", "multipart", "text", "binary"):
        for m in names:
            if media_kind(m) == kind:
                return m
    return None


def server_url(servers: Any) -> str:
    """The URL of the first Server Object of ``servers``, its variables at their defaults
    (``""`` when there is none)."""
    first = servers[0] if isinstance(servers, list) and servers and isinstance(servers[0], dict) else {}
    url = first.get("url") if isinstance(first.get("url"), str) else ""
    variables = first.get("variables") if isinstance(first.get("variables"), dict) else {}
    for name, var in variables.items():
        if isinstance(var, dict):
            url = url.replace("{" + str(name) + "}", str(var.get("default", "")))
    return url.rstrip("/")


def derived_operation_id(method: str, path: str, taken: set[str]) -> str:
    """A stable operationId for an operation without one, from its method and path:
    ``GET /users/{id}/posts`` -> ``get_users_by_id_posts`` (``_2``, ``_3``... if taken)."""
    parts = [method]
    for segment in path.strip("/").split("/"):
        found = _PATH_PARAM.fullmatch(segment)
        if found:
            parts += ["by", found.group(1)]
        elif segment:
            parts.append(segment)
    base = snake("_".join(parts))
    name, n = base, 2
    while name in taken:
        name, n = f"{base}_{n}", n + 1
    return name
