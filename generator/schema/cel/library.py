"""The CEL functions genspec compiles: the standard ones and the Kubernetes libraries that
make sense over JSON (extended strings, lists, regex, math, sets, ``cel.bind``, optionals,
URLs, IP/CIDR, semver, quantity, duration/timestamp over RFC 3339 strings).

Each entry names the run-time helper the call becomes (``_C.x`` in the generated ``_cel``
module, ``_L.x`` in ``_cel_lib``), the CEL result type, and an optional check of the
argument types known at ``genspec check`` time. Sources: github.com/google/cel-spec
``langdef.md``, github.com/google/cel-go ``ext/``, kubernetes.io "Validation rules" (CEL).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

#: macros and their argument counts
MACROS = {"all": (2, 3), "exists": (2, 3), "exists_one": (2, 3), "existsOne": (2, 3), "map": (2, 3),
          "filter": (2,), "transformList": (3, 4), "transformMap": (3, 4), "transformMapEntry": (3, 4)}
#: qualified identifiers that are type values
TYPE_VALUES = {"google.protobuf.Duration": "google.protobuf.Duration",
               "google.protobuf.Timestamp": "google.protobuf.Timestamp"}


@dataclass(frozen=True)
class Fn:
    """``helper`` called with the receiver (for a method) and the arguments."""

    helper: str
    result: str = "dyn"
    check: Callable[[list[str]], "str | None"] | None = None


def _needs(name: str, *allowed: str) -> Callable[[list[str]], "str | None"]:
    def check(types: list[str]) -> str | None:
        t = types[0]
        return None if t in (*allowed, "dyn") else f"{name}() needs a {', '.join(allowed)}, not {t}"
    return check


_TABLE: dict[tuple[str, bool], dict[int | None, Fn]] = {}


def _def(name: str, method: bool, counts: tuple[int, ...] | None, helper: str, result: str = "dyn", check: Callable | None = None) -> None:
    slot = _TABLE.setdefault((name, method), {})
    for n in counts or (None,):
        slot[n] = Fn(helper, result, check)


def known(name: str, method: bool) -> bool:
    """Whether ``name`` is a function (or method) genspec knows, with any argument count."""
    return (name, method) in _TABLE


def lookup(name: str, method: bool, nvalues: int) -> Fn | None:
    """The entry for ``name`` called with ``nvalues`` values (the receiver counts), or None."""
    slot = _TABLE.get((name, method))
    if slot is None:
        return None
    return slot.get(nvalues) or slot.get(None)


def _size(types: list[str]) -> str | None:
    return None if types[0] in ("string", "bytes", "list", "map", "dyn") else f"size() needs a string, list or map, not {types[0]}"



_def("size", False, (1,), "_C.size", "int", _size)
_def("size", True, (1,), "_C.size", "int", _size)
for _name, _helper, _result in (("int", "to_int", "int"), ("uint", "to_uint", "uint"), ("double", "to_double", "double"),
                                ("string", "to_string", "string"), ("bool", "to_bool", "bool"), ("bytes", "to_bytes", "bytes")):
    _def(_name, False, (1,), f"_C.{_helper}", _result)
_def("dyn", False, (1,), "", "dyn")
_def("type", False, (1,), "_C.type_of", "type")
_def("contains", True, (2,), "_C.contains", "bool", _needs("contains", "string"))
_def("startsWith", True, (2,), "_C.starts_with", "bool", _needs("startsWith", "string"))
_def("endsWith", True, (2,), "_C.ends_with", "bool", _needs("endsWith", "string"))
_def("matches", True, (2,), "_L.matches", "bool", _needs("matches", "string"))
_def("matches", False, (2,), "_L.matches", "bool", _needs("matches", "string"))

# extended strings (cel-go ext/strings.go; Kubernetes' strings library)
for _name, _helper, _counts, _result in (
    ("charAt", "char_at", (2,), "string"), ("indexOf", "index_of", (2, 3), "int"),
    ("lastIndexOf", "last_index_of", (2, 3), "int"), ("lowerAscii", "lower_ascii", (1,), "string"),
    ("upperAscii", "upper_ascii", (1,), "string"), ("replace", "replace", (3, 4), "string"),
    ("split", "split", (2, 3), "list"), ("substring", "substring", (2, 3), "string"),
    ("trim", "trim", (1,), "string"), ("join", "join", (1, 2), "string"), ("reverse", "reverse", (1,), "dyn"),
    ("format", "format", (2,), "string"),
    # lists (cel-go ext/lists.go; Kubernetes' lists library)
    ("isSorted", "is_sorted", (1,), "bool"), ("sum", "sum_", (1,), "dyn"), ("min", "min_", (1,), "dyn"),
    ("max", "max_", (1,), "dyn"), ("slice", "slice_", (3,), "list"), ("flatten", "flatten", (1, 2), "list"),
    ("sort", "sort", (1,), "list"), ("distinct", "distinct", (1,), "list"),
    # regex (Kubernetes)
    ("find", "find", (2,), "string"), ("findAll", "find_all", (2, 3), "list"),
    # optionals
    ("hasValue", "has_value", (1,), "bool"), ("value", "opt_value", (1,), "dyn"), ("orValue", "or_value", (2,), "dyn"),
    ("or", "opt_or", (2,), "dyn"), ("first", "first", (1,), "dyn"), ("last", "last", (1,), "dyn"),
    # URLs, IPs, semver, quantity (Kubernetes)
    ("getScheme", "url_part", (1,), "string"), ("getHost", "url_host", (1,), "string"),
    ("getHostname", "url_hostname", (1,), "string"), ("getPort", "url_port", (1,), "string"),
    ("getEscapedPath", "url_path", (1,), "string"), ("getQuery", "url_query", (1,), "map"),
    ("family", "ip_family", (1,), "int"), ("isUnspecified", "ip_is", (1,), "bool"),
    ("isLoopback", "ip_is", (1,), "bool"), ("isLinkLocalMulticast", "ip_is", (1,), "bool"),
    ("isLinkLocalUnicast", "ip_is", (1,), "bool"), ("isGlobalUnicast", "ip_is", (1,), "bool"),
    ("containsIP", "cidr_contains_ip", (2,), "bool"), ("containsCIDR", "cidr_contains_cidr", (2,), "bool"),
    ("prefixLength", "cidr_prefix", (1,), "int"), ("masked", "cidr_masked", (1,), "dyn"),
    ("major", "semver_part", (1,), "int"), ("minor", "semver_part", (1,), "int"), ("patch", "semver_part", (1,), "int"),
    ("isLessThan", "is_less", (2,), "bool"), ("isGreaterThan", "is_greater", (2,), "bool"),
    ("compareTo", "compare_to", (2,), "int"), ("add", "q_add", (2,), "dyn"), ("sub", "q_sub", (2,), "dyn"),
    ("asInteger", "q_int", (1,), "int"), ("asApproximateFloat", "q_float", (1,), "double"),
    ("isInteger", "q_is_int", (1,), "bool"), ("sign", "q_sign", (1,), "int"),
):
    _def(_name, True, _counts, f"_L.{_name}" if _helper == "ip_is" or _helper == "semver_part" else f"_L.{_helper}", _result)

for _name in ("getFullYear", "getMonth", "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getHours",
              "getMinutes", "getSeconds", "getMilliseconds"):
    _def(_name, True, (1, 2), f"_L.{_name}", "int")

NAMESPACED = {"cel.bind", "cel.block", "cel.index", "cel.iterVar", "cel.accuVar", "strings.quote", "lists.range", "sets.contains", "sets.equivalent", "sets.intersects",
              "optional.of", "optional.none", "optional.ofNonZeroValue", "ip.isCanonical", "base64.encode", "base64.decode",
              *(f"math.{n}" for n in ("greatest", "least", "abs", "ceil", "floor", "round", "trunc", "sign", "isInf",
                                      "isNaN", "isFinite", "bitAnd", "bitOr", "bitXor", "bitNot", "bitShiftLeft",
                                      "bitShiftRight", "sqrt"))}
for _full in sorted(n for n in NAMESPACED if not n.startswith("cel.")):
    _def(_full, False, None, "_L." + _full.replace(".", "_"))
for _name, _counts, _result in (("url", (1,), "dyn"), ("isURL", (1,), "bool"), ("ip", (1,), "dyn"), ("isIP", (1,), "bool"),
                                ("cidr", (1,), "dyn"), ("isCIDR", (1,), "bool"), ("semver", (1, 2), "dyn"),
                                ("isSemver", (1, 2), "bool"), ("quantity", (1,), "dyn"), ("isQuantity", (1,), "bool"),
                                ("duration", (1,), "duration"), ("timestamp", (1,), "timestamp")):
    _def(_name, False, _counts, f"_L.{_name}", _result)
