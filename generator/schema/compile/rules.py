"""Keyword family: genspec's rules: ``x-rule`` (a rule scope over a subschema) and CEL
``x-validations`` (compiled with :mod:`genspec.schema.cel`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from genspec.load.ir import Rule
from genspec.schema import cel
from genspec.schema.compile.code import Code, Ctx, Path, _doc, with_block


class RulesMixin:
    """Rule objects (id, message, source, examples) and CEL rule functions."""

    def _rule(self, raw: Any, ctx: Ctx, kind: str, cel_expr: str | None, ptr: str | None = None) -> Rule | None:
        ptr = ptr or f"{ctx.ptr}/x-rule"
        if not isinstance(raw, dict):
            self.reporter.add(ptr, "a rule must be an object with id, message and source", "write x-rule: {id: ..., message: ..., source: ...}")
            return None
        missing = [k for k in ("id", "message", "source") if not isinstance(raw.get(k), str) or not raw.get(k)]
        if missing:
            self.reporter.add(ptr, f"the rule lacks {', '.join(missing)}", "every rule has a stable id, a human message and its source (the doc sentence)")
            return None
        examples = raw.get("examples") or {}
        if not isinstance(examples, dict):
            self.reporter.add(ptr + "/examples", "rule examples must be an object with valid and invalid lists", "write examples: {valid: [...], invalid: [...]}")
            examples = {}
        for key in ("valid", "invalid"):
            if examples.get(key) is not None and not isinstance(examples[key], list):
                self.reporter.add(f"{ptr}/examples/{key}", f"rule examples '{key}' must be a list of example values, not {type(examples[key]).__name__}", f"write {key}: [{{...}}, ...]")
                examples = {**examples, key: []}
        subsumed = raw.get("subsumed-by") or []
        if not isinstance(subsumed, list) or not all(isinstance(x, str) for x in subsumed):
            self.reporter.add(ptr + "/subsumed-by", "subsumed-by must be a list of rule ids", "write subsumed-by: [rule-id]")
            subsumed = []
        at = raw.get("at") or ""
        if at and (not isinstance(at, str) or not at.startswith("/")):
            self.reporter.add(ptr + "/at", f"'at' must be a relative JSON Pointer such as /field, not {at!r}", "start it with /")
            at = ""
        rule = Rule(
            id=raw["id"],
            message=raw["message"],
            source=raw["source"],
            implied=bool(raw.get("implied", False)),
            kind=kind,
            owner=ctx.owner,
            pointer=ptr,
            at=at,
            cel=cel_expr,
            valid_examples=tuple(examples.get("valid") or ()),
            invalid_examples=tuple(examples.get("invalid") or ()),
            subsumed_by=tuple(subsumed),
        )
        known = self.result.rules.get(rule.id)
        if known is not None and known.pointer != rule.pointer:
            self.reporter.add(ptr + "/id", f"rule id '{rule.id}' is used twice (also at {known.pointer})", "give every rule its own id")
        elif known is None:
            self.result.rules[rule.id] = rule
        return rule

    def _cel(self, validations: Any, schema: dict, v: str, path: Path, ctx: Ctx, code: Code) -> None:
        ptr = ctx.ptr + "/x-validations"
        if not isinstance(validations, list):
            self.reporter.add(ptr, "x-validations must be a list of {id, rule, message, source}", "write a YAML list")
            return
        for i, raw in enumerate(validations):
            item_ptr = f"{ptr}/{i}"
            if not isinstance(raw, dict) or not isinstance(raw.get("rule"), str):
                self.reporter.add(item_ptr, "an x-validations entry needs a CEL 'rule' string", "write rule: 'size(self.a) == size(self.b)'")
                continue
            rule = self._rule(raw, ctx, "cel", raw["rule"], ptr=item_ptr)
            if rule is None:
                continue
            translation = cel.translate(raw["rule"], "self", lambda names: self.property_type(schema, names))
            for problem in translation.errors:
                self.reporter.add(item_ptr + "/rule", f"rule '{rule.id}': {problem}", "fix the CEL expression")
            if translation.errors:
                continue
            if rule.at:
                first = rule.at.lstrip("/").split("/")[0]
                if first and self.property_type(schema, (first,)) is None:
                    self.reporter.add(item_ptr + "/at", f"rule '{rule.id}' points at /{first}, which the schema does not define", "point 'at' at a property of this schema")
            fn = self._name("_cel")
            self.result.functions.append((fn, cel.function_lines(fn, f"CEL rule {_doc(rule.id)}: {_doc(raw['rule'])}", translation.python)))
            scoped = replace(ctx, rule=rule, rule_path=path)
            if ctx.mode == "bool":
                with_block(code, f"if {fn}({v}) is not True:", lambda scoped=scoped, rule=rule: self.fail(code, scoped, path, "x-validations", rule.message))
                continue
            # an evaluation error is a violation, unless a type or enum violation already
            # explains it (Kubernetes skips the rules of an object with such errors)
            r = self._name("_r")
            code.add(f"{r} = {fn}({v})")
            msg = f"_C.violation_message({rule.message!r}, {r})"
            with_block(code, f"if {r} is False or ({r} is not True and not _C.blocked(out)):", lambda scoped=scoped, rule=rule, msg=msg: self.fail(code, scoped, path, "x-validations", rule.message, msg))
