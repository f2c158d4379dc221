"""Which schemas rule out NaN and infinities by themselves, so the validators' fast path can
skip the walk that looks for them.

JSON has no NaN or Infinity, so the generated validators report such a float anywhere in a
Python value (``_runtime._finite``, a walk of the whole value). A schema whose every valid
value has each of its numbers checked by ``type: number``/``integer`` (which reject non-finite
floats) or by ``enum``/``const``, and every container's members checked likewise, cannot
accept one: for it that walk is never needed once the boolean pass said "valid".

:func:`pins_finite` answers conservatively: True only when it can prove it; a schema it does
not understand (no ``type``, references other than ``#/components/schemas/...``,
``unevaluated*``, dynamic references) gives False, and the walk stays.
"""

from __future__ import annotations

import math
from typing import Any

_PREFIX = "#/components/schemas/"
_SCALARS = frozenset({"string", "boolean", "null", "integer", "number"})


def _plain(value: Any) -> bool:
    """Whether a literal (enum member, const) holds no non-finite float."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    return True


def pins_finite(schema: Any, components: dict[str, tuple[Any, str]]) -> bool:
    """Whether no value valid against ``schema`` holds a NaN or infinite float.

    ``components``: component name -> (schema, JSON Pointer), for local ``$ref``s.
    """
    return _Walk(components).pins(schema, frozenset(), frozenset())


def pinned_functions(entries: dict[str, str], components: dict[str, tuple[Any, str]]) -> set[str]:
    """The ``_v_`` functions among ``entries`` (``schema:<Name>`` and ``params:<opId>`` ->
    function name, as :func:`genspec.model.parse.build` makes them) whose schema pins finiteness."""
    judged = [(k.split(":", 1)[1], v) for k, v in entries.items() if k.startswith("schema:")]
    judged += [(k.split(":", 1)[1] + ".parameters", v) for k, v in entries.items() if k.startswith("params:")]
    return {v for name, v in judged if name in components and pins_finite(components[name][0], components)}


class _Walk:
    def __init__(self, components: dict[str, tuple[Any, str]]) -> None:
        self.components = components

    def pins(self, schema: Any, stack: frozenset[str], local: frozenset[str]) -> bool:
        """``stack``: components being judged; ``local``: those entered since the last step
        into a container's member (a cycle through them alone proves nothing)."""
        if schema is False:
            return True
        if not isinstance(schema, dict):
            return False
        if "$dynamicRef" in schema or "$recursiveRef" in schema:
            return False
        if self._ref(schema.get("$ref"), stack, local):
            return True
        if "enum" in schema and isinstance(schema["enum"], list) and _plain(schema["enum"]):
            return True
        if "const" in schema and _plain(schema["const"]):
            return True
        if self._typed(schema, stack):
            return True
        subs = schema.get("allOf")
        if isinstance(subs, list) and any(self.pins(s, stack, local) for s in subs):
            return True
        for key in ("anyOf", "oneOf"):
            subs = schema.get(key)
            if isinstance(subs, list) and subs and all(self.pins(s, stack, local) for s in subs):
                return True
        if "if" in schema and "then" in schema and "else" in schema:
            return self.pins(schema["then"], stack, local) and self.pins(schema["else"], stack, local)
        return False

    def _ref(self, ref: Any, stack: frozenset[str], local: frozenset[str]) -> bool:
        if not isinstance(ref, str) or not ref.startswith(_PREFIX):
            return False
        name = ref[len(_PREFIX):].replace("~1", "/").replace("~0", "~")
        if name in local or name not in self.components:
            return False
        if name in stack:  # a cycle through a container's member: judged where it started
            return True
        return self.pins(self.components[name][0], stack | {name}, local | {name})

    def _typed(self, schema: dict, stack: frozenset[str]) -> bool:
        types = schema.get("type")
        types = [types] if isinstance(types, str) else types
        if not isinstance(types, list) or not types:
            return False
        member = frozenset()
        for t in types:
            if not isinstance(t, str):  # a malformed type (the compiler reports it)
                return False
            if t in _SCALARS:
                continue
            if t == "object":
                props = schema.get("properties", {})
                patterns = schema.get("patternProperties", {})
                if not isinstance(props, dict) or not isinstance(patterns, dict):
                    return False
                rest = schema.get("additionalProperties", True)
                if not all(self.pins(s, stack, member) for s in [*props.values(), *patterns.values(), rest]):
                    return False
            elif t == "array":
                prefix = schema.get("prefixItems", [])
                if not isinstance(prefix, list):
                    return False
                if not all(self.pins(s, stack, member) for s in [*prefix, schema.get("items", True)]):
                    return False
            else:
                return False
        return True
