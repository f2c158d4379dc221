"""Keyword family: ``$ref`` and ``$dynamicRef`` (any JSON Pointer, anchor, ``$id`` or local
file; see :mod:`.resources`), and looking through references for the
types of properties (used by the CEL translator)."""

from __future__ import annotations

from typing import Any

from genspec.load.loader import escape_pointer, unescape_pointer
from genspec.load.naming import schema_function_suffix
from genspec.schema.compile.code import Code, Ctx, Path, with_block
from genspec.schema.compile.resources import Target, Unresolved
from genspec.schema.vocabulary import ANNOTATIONS


class ReferencesMixin:
    """Resolution of ``$ref`` and ``$dynamicRef`` and the checks they emit.

    A reference to a whole component calls that component's functions; any other target (a
    subschema, an anchor, a ``$id``, another file) becomes a component of its own, named after
    its location (dotted, so it is no public schema), compiled once per dynamic scope.
    """

    def _ref(self, schema: dict, v: str, path: Path, ctx: Ctx, code: Code, keyword: str = "$ref") -> None:
        """Emit the check of ``schema[keyword]`` (``$ref`` or ``$dynamicRef``) against ``v``."""
        target = self._ref_target(schema[keyword], f"{ctx.ptr}/{keyword}", ctx, dynamic=keyword == "$dynamicRef")
        if target is None:
            return
        v_fn, _ = self.component(target)
        ok = self.ref_ok(target, v, ctx.known)
        if ctx.mode == "bool" or ctx.rule is not None:
            with_block(code, f"if not ({ok}):", lambda: self.fail(code, ctx, path, keyword, f"must be a valid {target}"))
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

    def _ref_target(self, ref: Any, ptr: str, ctx: Ctx, dynamic: bool = False) -> str | None:
        """The component (maybe made here) that reference ``ref`` at ``ptr`` names, or None
        (reported)."""
        if not isinstance(ref, str):
            self.reporter.add(ptr, f"a reference must be a string, not {type(ref).__name__}", "write a URI reference such as '#/components/schemas/Name'")
            return None
        prefix = "#/components/schemas/"
        if ref.startswith(prefix) and not dynamic and ctx.base == self.resources.base and not ctx.scope:
            name = unescape_pointer(ref[len(prefix):])
            if name in self.components and self.components[name][1] == f"/components/schemas/{escape_pointer(name)}":
                return name
        try:
            target = self.resources.resolve(ref, ctx.base or self.resources.base)
        except Unresolved as exc:
            self.reporter.add(ptr, f"$ref {ref!r} does not resolve: {exc}", "point it at a schema of this spec, a $id, an $anchor or a local file")
            return None
        scope = ctx.scope if self.resources.has_dynamic_ref else ()
        if dynamic:
            target = self._dynamic_target(ref, target, scope)
        return self._target_name(target, scope)

    def _dynamic_target(self, ref: str, initial: Target, scope: tuple[str, ...]) -> Target:
        """2020-12 ``$dynamicRef``: when the initial target carries a ``$dynamicAnchor`` of the
        reference's fragment, the outermost resource of the dynamic scope with that anchor."""
        fragment = ref.partition("#")[2]
        if not fragment or fragment.startswith("/"):
            return initial
        if not isinstance(initial.schema, dict) or initial.schema.get("$dynamicAnchor") != fragment:
            return initial
        for resource in scope:
            found = self.resources.dynamic.get((resource, fragment))
            if found is not None:
                return found
        return initial

    def _target_name(self, target: Target, scope: tuple[str, ...]) -> str:
        loc = target.loc
        prefix = "/components/schemas/"
        if loc.startswith(prefix) and "/" not in loc[len(prefix):] and not scope:
            name = unescape_pointer(loc[len(prefix):])
            if name in self.components and self.components[name][1] == loc:
                return name
        key = (loc, scope)
        names = self._target_names
        if key in names:
            return names[key]
        if loc.startswith(prefix):
            tokens = loc[len(prefix):].split("/")
        else:  # <file or $id URI>#<pointer>: the file's stem, then the pointer
            uri, _, pointer = loc.partition("#")
            stem = uri.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].split(".")[0]
            tokens = [stem, *pointer.split("/")]
        label = ".".join(unescape_pointer(t) for t in tokens if t) or "ref"
        if "." not in label:
            label += ".ref"
        name, n = label, 1
        taken = {schema_function_suffix(c) for c in self.components}
        while name in self.components or schema_function_suffix(name) in taken:
            n += 1
            name = f"{label}.{n}"
        names[key] = name
        self.components[name] = (target.schema, loc)
        self._bases[name] = target.base
        self._scopes[name] = scope
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
