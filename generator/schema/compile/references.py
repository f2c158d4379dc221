"""Keyword family: ``$ref`` (to a component), and looking through references for the
types of properties (used by the CEL translator)."""

from __future__ import annotations

from typing import Any

from genspec.schema.compile.code import Code, Ctx, Path, with_block
from genspec.schema.vocabulary import ANNOTATIONS


class ReferencesMixin:
    """Resolution of ``$ref`` and the checks it emits."""

    def _ref(self, schema: dict, v: str, path: Path, ctx: Ctx, code: Code) -> None:
        """Emit the check of ``schema["$ref"]`` against ``v``."""
        target = self._ref_target(schema["$ref"], ctx.ptr + "/$ref")
        if target is None:
            return
        v_fn, _ = self.component(target)
        ok = self.ref_ok(target, v, ctx.known)
        if ctx.mode == "bool" or ctx.rule is not None:
            with_block(code, f"if not ({ok}):", lambda: self.fail(code, ctx, path, "$ref", f"must be a valid {target}"))
        elif ctx.item or self.is_leaf(self.components[target][0]):
            # descend (and build the pointer) only into an invalid item or leaf value
            with_block(code, f"if not ({ok}):", lambda: code.add(f"{v_fn}({v}, {path.expr()}, out)"))
        else:
            code.add(f"{v_fn}({v}, {path.expr()}, out)")

    def _bare_ref(self, schema: Any) -> str | None:
        """The component a schema of only ``$ref`` (and annotations) names, if it resolves."""
        if isinstance(schema, dict) and set(schema) - ANNOTATIONS == {"$ref"}:
            return self.ref_name(schema["$ref"])
        return None

    def _ref_target(self, ref: Any, ptr: str) -> str | None:
        prefix = "#/components/schemas/"
        if isinstance(ref, str) and not ref.startswith("#"):
            self.reporter.add(ptr, f"external $ref {ref!r} is not supported", "copy the schema under components/schemas and refer to it as #/components/schemas/Name")
            return None
        if not isinstance(ref, str) or not ref.startswith(prefix):
            self.reporter.add(ptr, f"unsupported $ref {ref!r}", "genspec resolves local references of the form #/components/schemas/Name")
            return None
        name = ref[len(prefix):].replace("~1", "/").replace("~0", "~")
        if name not in self.components:
            self.reporter.add(ptr, f"$ref {ref!r} does not resolve", f"define components/schemas/{name} or fix the name")
            return None
        return name

    def property_type(self, schema: Any, names: tuple[str, ...]) -> str | None:
        """JSON type of the property at ``names`` below ``schema`` ("dyn" if unknown), or None."""
        node = schema
        for name in names:
            node = self._deref(node)
            props = _all_properties(node, self._deref)
            if name not in props:
                return None
            node = props[name]
        node = self._deref(node)
        if isinstance(node, dict):
            t = node.get("type")
            if isinstance(t, str):
                return t
            if isinstance(t, list):
                non_null = [x for x in t if x != "null"]
                return non_null[0] if len(non_null) == 1 else "dyn"
            if "enum" in node and all(isinstance(x, str) for x in node["enum"] or []):
                return "string"
        return "dyn"

    def _deref(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 50:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in self.components:
                return {}
            node = self.components[name][0]
            seen += 1
        return node


def _all_properties(node: Any, deref: Any) -> dict[str, Any]:
    """Properties declared by ``node`` and by its allOf entries."""
    if not isinstance(node, dict):
        return {}
    props = dict(node.get("properties") or {}) if isinstance(node.get("properties"), dict) else {}
    for sub in node.get("allOf") or []:
        for key, value in _all_properties(deref(sub), deref).items():
            props.setdefault(key, value)
    return props
