"""Keyword family: ``properties``, ``required``, ``additionalProperties``,
``dependentRequired``, ``dependentSchemas``, ``minProperties``, ``maxProperties`` (and the
CEL rules of ``x-validations``, which run on objects)."""

from __future__ import annotations

from dataclasses import replace

from genspec.load.loader import escape_pointer
from genspec.schema.compile.code import _TYPE_TEST, Code, Ctx, Path, guarded, str_set, with_block
from genspec.schema.fastpath import json_type


class ObjectsMixin:
    """Object checks, guarded by the instance being an object."""

    def _objects(self, schema: dict, v: str, path: Path, ctx: Ctx, code: Code) -> None:
        inner = Code()
        props = schema.get("properties") or {}
        if not isinstance(props, dict):
            self.reporter.add(ctx.ptr + "/properties", "properties must be an object", "map each property name to its schema")
            props = {}
        required = schema.get("required") or []
        if not isinstance(required, list) or not all(isinstance(r, str) for r in required):
            self.reporter.add(ctx.ptr + "/required", "required must be a list of property names", "write required: [a, b]")
            required = []
        if len(set(required)) != len(required):
            self.reporter.add(ctx.ptr + "/required", "required lists a property twice", "list each once")
        lookups = ctx.known.lookups
        for r in dict.fromkeys(required):
            if props.get(r) is False:
                self.reporter.add(ctx.ptr + "/required", f"'{r}' is both required and forbidden (false)", "no value can satisfy this schema; drop one")
            r_ctx = replace(ctx, loc=f"{ctx.loc}.{r}")
            test = f"{lookups[(v, r)]} is _M" if (v, r) in lookups else f"{r!r} not in {v}"
            with_block(inner, f"if {test}:", lambda r=r, r_ctx=r_ctx: self.fail(inner, r_ctx, path.child(r), "required", f"{r} is required"))
        for name, sub in props.items():
            sub_ctx = replace(ctx, loc=f"{ctx.loc}.{name}", ptr=f"{ctx.ptr}/properties/{escape_pointer(name)}")
            local = lookups.get((v, name)) if isinstance(name, str) else None
            if sub is False:
                test = f"{local} is not _M" if local else f"{name!r} in {v}"
                with_block(inner, f"if {test}:", lambda name=name, sub_ctx=sub_ctx: self.fail(inner, sub_ctx, path.child(name), "false", f"{name} is not allowed here"))
                continue
            item = local or self._name("_x")
            body = Code()
            self.compile(sub, item, path.child(name), replace(sub_ctx, item=False), body)
            kind = json_type(sub, self.components) if ctx.mode == "bool" and ctx.top and local else None
            if body and kind in ("object", "array"):
                # a container's deep checks run last; a type test now proves what later code needs
                deferred = Code()
                deferred.add(f"if {item} is not _M:")
                deferred.depth += 1
                deferred.extend(body)
                ctx.known.deferred.append(deferred)
                inner.add(f"if {item} is not _M and not ({_TYPE_TEST[kind].format(v=item)}):")
                inner.add("    return False")
            elif body:
                if not local:
                    inner.add(f"{item} = {v}.get({name!r}, _M)")
                inner.add(f"if {item} is not _M:")
                inner.depth += 1
                inner.extend(body)
                inner.depth -= 1
            if kind is not None and local:
                ctx.known.types[local] = kind
        patterns = self._pattern_properties(schema, v, path, ctx, inner)
        extra = schema.get("additionalProperties", True)
        if extra is not True and extra != {}:
            names = self.constant("_P", str_set(props))
            k = self._name("_k")
            other = f"{k} not in {names}" + "".join(f" and {rx}.search({k}) is None" for rx in patterns)
            if extra is False and ctx.mode == "bool" and not patterns and props and all((v, n) in lookups for n in props):
                # every declared property was looked up: no other key iff len() counts only
                # those present (compiled: C comparisons; pure Python: one set operation)
                present = " + ".join(f"({lookups[(v, n)]} is not _M)" for n in props)
                with_block(inner, f"if (len({v}) != {present}) if _COMPILED else not {names}.issuperset({v}):",
                           lambda: self.fail(inner, ctx, path, "additionalProperties", "has unknown properties"))
            elif extra is False:
                inner.add(f"if not {names}.issuperset({v}):")
                inner.depth += 1
                inner.add(f"for {k} in {v}:")
                inner.depth += 1
                with_block(inner, f"if {other}:", lambda: self.fail(inner, ctx, path.key(k), "additionalProperties", "", f"_unknown({k}, {names})"))
                inner.depth -= 2
            else:
                item = self._name("_x")
                body = Code()
                self.compile(extra, item, path.key(k), replace(ctx, loc=ctx.loc + ".*", ptr=ctx.ptr + "/additionalProperties"), body)
                if body:
                    inner.add(f"for {k}, {item} in {v}.items():")
                    inner.depth += 1
                    if patterns:
                        inner.add(f"if not ({other}):")
                    else:
                        inner.add(f"if {k} in {names}:")
                    inner.add("    continue")
                    inner.extend(body)
                    inner.depth -= 1
        if "propertyNames" in schema:
            k = self._name("_k")
            body = Code()
            self.compile(schema["propertyNames"], k, path.key(k), replace(ctx, loc=ctx.loc + ".propertyNames", ptr=ctx.ptr + "/propertyNames", top=False, known=type(ctx.known)()), body)
            if body:
                inner.add(f"for {k} in {v}:")
                inner.depth += 1
                inner.extend(body)
                inner.depth -= 1
        dep = schema.get("dependentRequired") or {}
        if not isinstance(dep, dict):
            self.reporter.add(ctx.ptr + "/dependentRequired", "dependentRequired must map a property to a list of names", "write dependentRequired: {a: [b]}")
            dep = {}
        dep_schemas = schema.get("dependentSchemas") or {}
        dep_schemas = {t: (sub, f"{ctx.ptr}/dependentSchemas/{escape_pointer(t)}") for t, sub in dep_schemas.items()} if isinstance(dep_schemas, dict) else {}
        legacy = schema.get("dependencies")  # draft 7's form of both, still common
        if isinstance(legacy, dict):
            dep = {**{t: n for t, n in legacy.items() if isinstance(n, list)}, **dep}
            dep_schemas = {**{t: (sub, f"{ctx.ptr}/dependencies/{escape_pointer(t)}") for t, sub in legacy.items() if not isinstance(sub, list)}, **dep_schemas}
        for trigger, needs in dep.items():
            if not isinstance(needs, list):
                self.reporter.add(f"{ctx.ptr}/dependentRequired/{trigger}", "dependentRequired values are lists of names", "write [b]")
                continue
            for need in needs:
                n_ctx = replace(ctx, loc=f"{ctx.loc}.{need}")
                with_block(inner, f"if {trigger!r} in {v} and {need!r} not in {v}:", lambda trigger=trigger, need=need, n_ctx=n_ctx: self.fail(inner, n_ctx, path.child(need), "dependentRequired", f"{need} is required with {trigger}"))
        for trigger, (sub, sub_ptr) in dep_schemas.items():
            body = Code()
            self.compile(sub, v, path, replace(ctx, ptr=sub_ptr, top=False), body)
            if body:
                inner.add(f"if {trigger!r} in {v}:")
                inner.depth += 1
                inner.extend(body)
                inner.depth -= 1
        lo, hi = self._count(schema, "minProperties", ctx.ptr), self._count(schema, "maxProperties", ctx.ptr)
        if lo:
            with_block(inner, f"if len({v}) < {lo}:", lambda: self.fail(inner, ctx, path, "minProperties", f"must have at least {lo} properties"))
        if hi is not None:
            with_block(inner, f"if len({v}) > {hi}:", lambda: self.fail(inner, ctx, path, "maxProperties", f"must have at most {hi} properties"))
        validations = schema.get("x-validations")
        if validations is not None:
            self._cel(validations, schema, v, path, ctx, inner)
        guarded(code, inner, ctx.known.guard(v, "object"))

    def _pattern_properties(self, schema: dict, v: str, path: Path, ctx: Ctx, code: Code) -> list[str]:
        """``patternProperties``: every member whose name matches a pattern is valid against
        its schema. Returns the compiled patterns (``additionalProperties`` skips their names)."""
        raw = schema.get("patternProperties")
        if raw is None:
            return []
        if not isinstance(raw, dict):
            self.reporter.add(ctx.ptr + "/patternProperties", "patternProperties must map patterns to schemas", "write patternProperties: {'^x-': {type: string}}")
            return []
        found = []
        for pattern, sub in raw.items():
            sub_ptr = f"{ctx.ptr}/patternProperties/{escape_pointer(pattern)}"
            rx = self.regex(pattern, sub_ptr)
            if rx is None:
                continue
            found.append(rx)
            k, item = self._name("_k"), self._name("_x")
            body = Code()
            self.compile(sub, item, path.key(k), replace(ctx, loc=f"{ctx.loc}.{pattern}", ptr=sub_ptr, top=False), body)
            if body:
                code.add(f"for {k}, {item} in {v}.items():")
                code.depth += 1
                code.add(f"if {rx}.search({k}) is not None:")
                code.depth += 1
                code.extend(body)
                code.depth -= 2
        return found
