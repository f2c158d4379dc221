"""The official CEL conformance cases (google/cel-spec ``tests/simple/testdata``), as shipped in
the pinned cel-python 0.5.0 source distribution (``features/*.textproto``), run through
genspec's CEL compiler. The sdist is fetched with pip into ``.cache/`` (gitignored) the first
time; the project carries no copy.

A case is kept when JSON can carry its values: its bindings and expected value are null,
bool, int, uint, double, string, list or map, and its expression builds no protobuf message
and names no container. Each binding is a property of ``self``; the rule's value is compared
with the expected one by type and value (``1`` is not ``1u`` nor ``1.0``).
"""

from __future__ import annotations

import importlib.util
import math
import re
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "cel-python-0.5.0"
PIN = "cel-python==0.5.0"
EXTENSION_FILES = {"bindings_ext", "block_ext", "encoders_ext", "math_ext", "optionals", "proto2_ext", "string_ext"}


def textprotos() -> dict[str, str]:
    """File stem -> text of every ``features/*.textproto`` in the pinned sdist (downloaded once)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    archives = sorted(CACHE.glob("cel_python-0.5.0.tar.gz"))
    if not archives:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", PIN, "-d", str(CACHE), "-q"],
                       check=True, capture_output=True, timeout=300)
        archives = sorted(CACHE.glob("cel_python-0.5.0.tar.gz"))
    out = {}
    with tarfile.open(archives[0]) as tar:
        for member in tar.getmembers():
            if re.fullmatch(r"[^/]+/features/[^/]+\.textproto", member.name):
                f = tar.extractfile(member)
                assert f is not None
                out[Path(member.name).stem] = f.read().decode("utf-8")
    return out


# ------------------------------------------------------------------ protobuf text format
_TOKEN = re.compile(r"""\s+|\#[^\n]*|(?P<str>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|(?P<word>[-+]?[\w.]+(?:(?<=[0-9.][eE])[-+]\d+)?)|(?P<punct>[{}\[\]:,;<>])""", re.S)
_UNESC = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))", re.S)
_SIMPLE = {b"n": b"\n", b"t": b"\t", b"r": b"\r", b"a": b"\a", b"b": b"\b", b"f": b"\f", b"v": b"\v"}


def _unquote(text: str) -> bytes:
    def one(m: re.Match) -> bytes:
        octal, hex2, u4, u8, other = m.groups()
        if octal:
            return bytes([int(octal, 8)])
        if hex2:
            return bytes([int(hex2, 16)])
        if u4 or u8:
            return chr(int((u4 or u8).decode(), 16)).encode("utf-8", "surrogatepass")
        return _SIMPLE.get(other, other)
    return _UNESC.sub(one, text[1:-1].encode("utf-8"))


def parse_textproto(text: str) -> dict[str, list[Any]]:
    """A message in protobuf text format as ``{field: [values]}`` (a scalar is a str, or bytes
    for a quoted string; a message is a dict)."""
    tokens: list[tuple[str, Any]] = []
    for m in _TOKEN.finditer(text):
        if m.group("str") is not None:
            value = _unquote(m.group("str"))
            if tokens and tokens[-1][0] == "str":  # adjacent strings concatenate
                tokens[-1] = ("str", tokens[-1][1] + value)
            else:
                tokens.append(("str", value))
        elif m.group("word") is not None:
            tokens.append(("word", m.group("word")))
        elif m.group("punct") is not None:
            tokens.append(("punct", m.group("punct")))
    pos = 0

    def message(end: str | None) -> dict[str, list[Any]]:
        nonlocal pos
        out: dict[str, list[Any]] = {}
        while pos < len(tokens):
            kind, value = tokens[pos]
            if kind == "punct" and value == end:
                pos += 1
                return out
            if kind == "punct" and value in ",;":
                pos += 1
                continue
            name = value
            if kind == "punct" and value == "[":  # an extension or Any type URL: [name]
                close = next(i for i in range(pos, len(tokens)) if tokens[i] == ("punct", "]"))
                name = "[" + "".join(str(t[1]) for t in tokens[pos + 1:close]) + "]"
                pos = close
            pos += 1
            if tokens[pos] == ("punct", ":"):
                pos += 1
            out.setdefault(name, []).extend(values())
        return out

    def values() -> list[Any]:
        nonlocal pos
        kind, value = tokens[pos]
        if kind == "punct" and value in "{<":
            pos += 1
            return [message("}" if value == "{" else ">")]
        if kind == "punct" and value == "[":
            pos += 1
            items: list[Any] = []
            while tokens[pos] != ("punct", "]"):
                if tokens[pos] == ("punct", ","):
                    pos += 1
                    continue
                items.extend(values())
            pos += 1
            return items
        pos += 1
        return [value]

    return message(None)


# ------------------------------------------------------------------ cases
class NotJson(Exception):
    """A value JSON cannot carry."""


def _one(msg: dict, key: str, default: Any = None) -> Any:
    return msg.get(key, [default])[0]


def to_value(msg: dict, uint: Any) -> Any:
    """A ``cel.expr.Value`` message as a Python value (``uint`` wraps uint64s)."""
    if "null_value" in msg:
        return None
    if "bool_value" in msg:
        return _one(msg, "bool_value") == "true"
    if "int64_value" in msg:
        return int(_one(msg, "int64_value"), 0)
    if "uint64_value" in msg:
        return uint(int(_one(msg, "uint64_value"), 0))
    if "double_value" in msg:
        text = str(_one(msg, "double_value")).lower()
        return {"inf": math.inf, "-inf": -math.inf, "infinity": math.inf, "-infinity": -math.inf, "nan": math.nan}.get(text) or float(text)
    if "string_value" in msg:
        return _one(msg, "string_value").decode("utf-8")
    if "list_value" in msg:
        return [to_value(v, uint) for v in _one(msg, "list_value", {}).get("values", [])]
    if "map_value" in msg:
        out = {}
        for entry in _one(msg, "map_value", {}).get("entries", []):
            out[to_value(_one(entry, "key"), uint)] = to_value(_one(entry, "value"), uint)
        return out
    if not msg:
        raise NotJson("empty value")
    raise NotJson(next(iter(msg)))


@dataclass
class Case:
    """One conformance test: its file, name, expression, bindings and expected outcome."""

    file: str
    name: str
    expr: str
    bindings: dict[str, Any]
    expected: Any = None
    error: bool = False


_MESSAGE = re.compile(r"\b[A-Z][A-Za-z0-9_]*\s*\{|google\.protobuf|\.(?:single|repeated|map|standalone|oneof)_")


def cases(uint: Any) -> tuple[list[Case], dict[str, int]]:
    """The JSON-carriable cases of every file, and the number of tests per file before that."""
    kept: list[Case] = []
    totals: dict[str, int] = {}
    for stem, text in sorted(textprotos().items()):
        doc = parse_textproto(text)
        for section in doc.get("section", []):
            for test in section.get("test", []):
                totals[stem] = totals.get(stem, 0) + 1
                case = _case(stem, section, test, uint)
                if case is not None:
                    kept.append(case)
    return kept, totals


def _case(stem: str, section: dict, test: dict, uint: Any) -> Case | None:
    expr = _one(test, "expr", b"").decode("utf-8")
    if any(k in test for k in ("container", "disable_macros", "check_only", "typed_result", "unknown", "any_eval_errors", "any_unknowns", "disable_check_if_unsupported")) or _MESSAGE.search(expr):
        return None
    try:
        bindings = {}
        for entry in test.get("bindings", []):
            bindings[_one(entry, "key").decode() if isinstance(_one(entry, "key"), bytes) else _one(entry, "key")] = to_value(_one(_one(entry, "value"), "value", {}), uint)
        name = f"{_one(section, 'name', b'').decode()}/{_one(test, 'name', b'').decode()}"
        if "eval_error" in test:
            return Case(stem, name, expr, bindings, error=True)
        return Case(stem, name, expr, bindings, to_value(_one(test, "value", {"bool_value": ["true"]}), uint))
    except NotJson:
        return None


def same(a: Any, b: Any) -> bool:
    """CEL values equal by type and value (NaN equals NaN here)."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return (a != a and b != b) or a == b
    if type(a) is list:
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is dict:
        return len(a) == len(b) and all(any(same(k, k2) and same(v, b[k2]) for k2 in b) for k, v in a.items())
    return a == b


def load_runtime(folder: Path) -> Any:
    """Render the generic CEL run-time templates into ``folder`` as a package; return it."""
    from genspec.render import render

    pkg = folder / "celrt"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    env = render.environment()
    for name in ("_cel", "_cel_lib", "_cel_time"):
        (pkg / f"{name}.py").write_text(env.get_template(f"{name}.py.jinja").render(header="# test"), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("celrt", pkg / "__init__.py", submodule_search_locations=[str(pkg)])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["celrt"] = module
    spec.loader.exec_module(module)
    return module
