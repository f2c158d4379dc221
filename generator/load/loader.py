"""Load a spec: YAML (or JSON) with the line of every node, and its hash.

The result is plain Python data (dict, list, str, int, float, bool, None) plus a map from
JSON Pointer to 1-based line, so every later problem can be reported as ``FILE:LINE``.

The data comes from ruamel's safe loader (C-accelerated with ruamel.yaml.clib); the line map
needs the slower round-trip loader, so it is built only when a problem is reported (the map
is lazy). Any error, and any value that is not plain JSON, takes the round-trip path at once,
so messages and values are those of the round-trip loader.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genspec.load.errors import SpecError, SpecErrors
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError


def escape_pointer(token: str) -> str:
    """Escape one JSON Pointer reference token (RFC 6901: ``~`` -> ``~0``, ``/`` -> ``~1``)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape_pointer(token: str) -> str:
    """Undo :func:`escape_pointer`."""
    return token.replace("~1", "/").replace("~0", "~")


@dataclass
class Document:
    """A loaded spec.

    ``path`` as given on the command line, ``data`` the plain document, ``lines`` JSON Pointer
    -> line, ``sha256`` of the file's bytes, ``display`` the path shown in generated headers
    (relative to the project holding the spec).
    """

    path: str
    data: Any
    sha256: str
    display: str
    lines: Mapping[str, int] = field(default_factory=dict)

    def resolve(self, pointer: str) -> Any:
        """The node at a local JSON Pointer (``#/a/b`` or ``/a/b``); ``KeyError`` if absent."""
        return pointer_node(self.data, pointer[1:] if pointer.startswith("#") else pointer)


def _display_path(path: Path) -> str:
    """The spec's path relative to the nearest folder with a pyproject.toml, else its name."""
    resolved = path.resolve()
    for parent in resolved.parents:
        if (parent / "pyproject.toml").is_file():
            return resolved.relative_to(parent).as_posix()
    return resolved.name


def _plain(node: Any, pointer: str, lines: dict[str, int]) -> Any:
    if isinstance(node, CommentedMap):
        out = {}
        for key, value in node.items():
            child = f"{pointer}/{escape_pointer(key)}"
            try:
                lines[child] = node.lc.key(key)[0] + 1
            except (KeyError, TypeError, AttributeError):
                pass
            out[str(key) if not isinstance(key, (str, int, float, bool)) else key] = _plain(value, child, lines)
        return out
    if isinstance(node, CommentedSeq):
        out_list = []
        for i, value in enumerate(node):
            child = f"{pointer}/{i}"
            try:
                lines[child] = node.lc.item(i)[0] + 1
            except (KeyError, TypeError, AttributeError, IndexError):
                pass
            out_list.append(_plain(value, child, lines))
        return out_list
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return str(node)


def _kind(data: Any) -> str:
    return {list: "a list", str: "a string", type(None): "empty"}.get(type(data), f"a {type(data).__name__}")


def _start_line(node: Any) -> int:
    """1-based line where the document's top node starts (1 for a scalar or empty file)."""
    try:
        return int(node.lc.line) + 1
    except (AttributeError, TypeError):
        return 1


def load(path: str | Path) -> Document:
    """Read and parse a spec file.

    Raises :class:`SpecErrors` (one line each) for an unreadable file, invalid YAML or JSON,
    duplicate keys, or a document that is not a mapping.
    """
    p = Path(path)
    shown = str(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise SpecErrors([SpecError(shown, 0, f"cannot read the spec: {exc.strerror or exc}", "check the path")]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SpecErrors([SpecError(shown, line, f"the spec is not UTF-8 (byte {exc.start} is {raw[exc.start]:#04x})", "save it as UTF-8")]) from None
    fast = _fast(text)
    if fast is not None:
        return Document(path=shown, data=fast, sha256=hashlib.sha256(raw).hexdigest(), display=_display_path(p), lines=LazyLines(text))
    return Document(path=shown, data=_round_trip(text, shown, lines := {}), sha256=hashlib.sha256(raw).hexdigest(), display=_display_path(p), lines=lines)


_JSON_SCALARS = (str, int, float, bool, type(None))


def _copy(value: Any) -> Any:
    """A fresh copy of plain data (an alias gives separate objects, as the round trip does);
    raises ``TypeError`` for anything that is not JSON (timestamps, binary, sets)."""
    if type(value) is dict:
        return {k: _copy(v) for k, v in value.items() if isinstance(k, _JSON_SCALARS) or _not_json(k)}
    if type(value) is list:
        return [_copy(v) for v in value]
    if type(value) in _JSON_SCALARS:
        return value
    return _not_json(value)


def _not_json(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def _fast(text: str) -> dict | None:
    """The document from the safe loader, or None to take the round-trip path (any error, a
    value that is not plain JSON, or a document that is not a mapping)."""
    yaml = YAML(typ="safe")
    yaml.allow_duplicate_keys = False
    try:
        data = _copy(yaml.load(text))
    except Exception:  # the round-trip path reports it with the line
        return None
    return data if type(data) is dict else None


class LazyLines(Mapping):
    """JSON Pointer -> line of a document's text, computed on first use (only a reported
    problem needs it)."""

    def __init__(self, text: str):
        self._text = text
        self._lines: dict[str, int] | None = None

    def _get(self) -> dict[str, int]:
        if self._lines is None:
            lines: dict[str, int] = {}
            try:
                _round_trip(self._text, "", lines)
            except SpecErrors:
                pass
            self._lines = lines
        return self._lines

    def __bool__(self) -> bool:
        return True

    def __getitem__(self, pointer: str) -> int:
        return self._get()[pointer]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def _round_trip(text: str, shown: str, lines: dict[str, int]) -> Any:
    """The plain document through ruamel's round-trip loader, filling ``lines``; raises
    :class:`SpecErrors` for invalid YAML, duplicate keys or a document that is not a mapping."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        node = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 0
        what = (exc.problem or exc.context or "invalid YAML").strip()
        raise SpecErrors([SpecError(shown, line, f"invalid YAML: {what}", "fix the syntax on this line")]) from None
    except YAMLError as exc:
        raise SpecErrors([SpecError(shown, 0, f"invalid YAML: {str(exc).splitlines()[0]}", "fix the syntax")]) from None
    except RecursionError:
        raise SpecErrors([SpecError(shown, 0, "the YAML nests too deeply", "flatten it with $ref")]) from None
    lines[""] = _start_line(node)
    try:
        data = _plain(node, "", lines)
    except RecursionError:
        raise SpecErrors([SpecError(shown, 0, "the YAML nests too deeply (or has a cyclic alias)", "flatten it with $ref")]) from None
    if not isinstance(data, dict):
        raise SpecErrors([SpecError(shown, lines[""], f"the spec is not a mapping (it is {_kind(data)})", "an OpenAPI document is a mapping that starts with 'openapi: 3.1.0'")])
    return data


def pointer_node(data: Any, pointer: str) -> Any:
    """The node of ``data`` at the JSON Pointer ``pointer`` (``/a/0/b``; ``""`` is ``data``
    itself), ``~0``/``~1`` unescaped, list items by index (RFC 6901). Raises ``KeyError``
    (the pointer) when it does not resolve."""
    node = data
    if not pointer:
        return node
    for raw in pointer.lstrip("/").split("/"):
        token = unescape_pointer(raw)
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(pointer)
    return node
