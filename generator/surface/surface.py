"""The user-facing surface computed from the spec: typed parameters, jobs, file references and
CLI options. Everything here is derived from JSON Schemas and ``x-genspec`` settings; the
templates only place the strings.
"""

from __future__ import annotations

from typing import Any

from genspec.load.errors import Reporter
from genspec.load.ir import CliOption, FileRef, Job, Operation, TypeDef
from genspec.load.naming import pascal, snake

_SCHEMA_PREFIX = "#/components/schemas/"


def _null_wrapped(schema: Any) -> Any:
    """X of ``{anyOf: [X, {type: 'null'}]}`` (or oneOf, either order, nothing else beside but
    annotations), else None."""
    if not isinstance(schema, dict):
        return None
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and len(branches) == 2 and not set(schema) - {key, "description", "title", "default", "examples", "deprecated"}:
            nulls = [i for i, b in enumerate(branches) if isinstance(b, dict) and b == {"type": "null"}]
            if len(nulls) == 1:
                return branches[1 - nulls[0]]
    return None


class Surface:
    """Computes types, jobs, file references and CLI options for one parsed spec.

    ``components`` maps component name -> (schema, JSON Pointer), as in the compiler.
    """

    def __init__(self, components: dict[str, tuple[Any, str]], reporter: Reporter):
        self.components = components
        self.r = reporter

    # ------------------------------------------------------------ helpers
    def deref(self, schema: Any) -> tuple[Any, str | None]:
        """Follow ``$ref`` chains and nullable wrappers (``anyOf``/``oneOf`` of X and
        ``{type: 'null'}``, which stand for X); return (schema, component name or None)."""
        name = None
        for _ in range(30):
            if isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and schema["$ref"].startswith(_SCHEMA_PREFIX):
                name = schema["$ref"][len(_SCHEMA_PREFIX):]
                schema = self.components.get(name, ({}, ""))[0]
            elif (inner := _null_wrapped(schema)) is not None:
                schema = inner
            else:
                break
        return schema, name

    def read_only(self, schema: Any) -> bool:
        """Whether a property is ``readOnly`` (sent by the server only: never a request value)."""
        target, _ = self.deref(schema)
        return any(isinstance(s, dict) and s.get("readOnly") is True for s in (schema, target))

    def nullable(self, schema: Any) -> bool:
        """True if ``schema`` allows ``null`` (``type`` listing it, or a nullable wrapper)."""
        for _ in range(30):
            if not isinstance(schema, dict):
                return False
            t = schema.get("type")
            if t == "null" or (isinstance(t, list) and "null" in t) or _null_wrapped(schema) is not None:
                return True
            if isinstance(schema.get("$ref"), str) and schema["$ref"].startswith(_SCHEMA_PREFIX):
                schema = self.components.get(schema["$ref"][len(_SCHEMA_PREFIX):], ({}, ""))[0]
            else:
                return False
        return False

    def description(self, schema: Any) -> str:
        """The description of a property: its own, else that of what it refers to."""
        own = schema.get("description") if isinstance(schema, dict) else None
        if not isinstance(own, str):
            target, _ = self.deref(schema)
            own = target.get("description") if isinstance(target, dict) else None
        return " ".join(own.split()) if isinstance(own, str) else ""

    def kind(self, schema: Any) -> str:
        """JSON type of a schema: object, array, string, integer, number, boolean, or any."""
        schema, _ = self.deref(schema)
        if not isinstance(schema, dict):
            return "any"
        t = schema.get("type")
        if isinstance(t, list):
            t = [x for x in t if x != "null"]
            t = t[0] if len(t) == 1 else None
        if t is None and isinstance(schema.get("enum"), list) and all(isinstance(v, str) for v in schema["enum"]):
            return "string"
        if t is None and "properties" in schema:
            return "object"
        return t if isinstance(t, str) else "any"

    def py_type(self, schema: Any, depth: int = 0, nulls: bool = False) -> str:
        """A Python type expression for a request value of ``schema`` (names from types.py).

        With ``nulls``, ``| None`` is added wherever the schema allows ``null`` (types.py);
        without, ``None`` keeps its meaning of "not sent" (the client's keyword arguments).
        """
        if nulls and self.nullable(schema):
            inner = self._py_type(schema, depth, nulls)
            return inner if inner == "Any" else inner + " | None"
        return self._py_type(schema, depth, nulls)

    def _py_type(self, schema: Any, depth: int, nulls: bool) -> str:
        target, name = self.deref(schema)
        if depth > 6 or not isinstance(target, dict):
            return "Any"
        if name is not None:
            if isinstance(target.get("enum"), list) and all(isinstance(v, str) for v in target["enum"]):
                return pascal(name) + "Value"
            if self.kind(target) == "object" and isinstance(target.get("properties"), dict):
                return pascal(name) + "Param"
        if "enum" in target and isinstance(target["enum"], list):
            return "Literal[" + ", ".join(repr(v) for v in target["enum"]) + "]"
        alternatives = target.get("oneOf") or target.get("anyOf")
        if isinstance(alternatives, list) and alternatives and "type" not in target and "properties" not in target:
            typed = [self.py_type(alt, depth + 1) for alt in alternatives]
            if "Any" not in typed:  # a union of shapes (not a rule's list of required sets)
                return " | ".join(dict.fromkeys(typed))
        kind = self.kind(target)
        if kind == "string" and target.get("format") == "binary":
            return "bytes"  # a file part of a multipart body
        if kind == "array":
            return f"Sequence[{self.py_type(target.get('items', {}), depth + 1, nulls)}]"
        return {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "object": "Mapping[str, Any]"}.get(kind, "Any")

    # ------------------------------------------------------------ types.py
    def typedefs(self) -> tuple[TypeDef, ...]:
        """A Literal alias for every string enum component, a TypedDict for every object one."""
        out: list[TypeDef] = []
        for name in sorted(self.components):
            if "." in name:
                continue
            schema = self.components[name][0]
            if not isinstance(schema, dict):
                continue
            description = " ".join(str(schema.get("description", "")).split())
            if isinstance(schema.get("enum"), list) and all(isinstance(v, str) for v in schema["enum"]):
                out.append(TypeDef(pascal(name) + "Value", "literal", description, values=tuple(schema["enum"])))
            elif self.kind(schema) == "object" and isinstance(schema.get("properties"), dict):
                required = {r for r in schema.get("required") or [] if isinstance(r, str)} if isinstance(schema.get("required"), list) else set()
                fields = tuple(
                    (key, self.py_type(sub, nulls=True), key in required, " ".join(str((sub or {}).get("description", "") if isinstance(sub, dict) else "").split()))
                    for key, sub in schema["properties"].items()
                    if not self.read_only(sub)
                )
                out.append(TypeDef(pascal(name) + "Param", "typeddict", description, fields=fields))
        return tuple(out)

    # ------------------------------------------------------------ jobs
    def jobs(self, raw: Any, operations: tuple[Operation, ...]) -> tuple[Job, ...]:
        """Jobs declared in ``info.x-genspec.jobs``; problems go to the reporter."""
        if raw is None:
            return ()
        ptr = "/info/x-genspec/jobs"
        if not isinstance(raw, list):
            self.r.add(ptr, "jobs must be a list", "write jobs: [{name: ..., start: opId, poll: opId, ...}]")
            return ()
        ops = {op.operation_id: op for op in operations}
        out = []
        for i, job in enumerate(raw):
            here = f"{ptr}/{i}"
            need = ("name", "start", "poll", "id", "state", "succeeded", "failed")
            missing = [k for k in need if k not in (job if isinstance(job, dict) else {})]
            if missing:
                self.r.add(here, f"job lacks {', '.join(missing)}", "see spec/generations.yaml for the shape of a job")
                continue
            start, poll = ops.get(job["start"]), ops.get(job["poll"])
            if start is None or poll is None:
                self.r.add(here, f"job names unknown operation {job['start'] if start is None else job['poll']!r}", "use operationIds of this spec")
                continue
            path_params = [p for p in poll.params if p.location == "path"]
            if len(path_params) != 1:
                self.r.add(here, f"the poll operation {poll.operation_id} must take exactly one path parameter (the job id)", "poll with GET /things/{id}")
                continue
            failure = job.get("failure") or {}
            outputs = job.get("outputs") or {}
            out.append(Job(
                name=str(job["name"]),
                cls=pascal(str(job["name"])),
                start=start.operation_id,
                poll=poll.operation_id,
                group=poll.group,
                start_method=start.py_method,
                poll_method=poll.py_method,
                poll_param=path_params[0].py_name,
                id=str(job["id"]),
                state=str(job["state"]),
                succeeded=tuple(str(s) for s in job["succeeded"]),
                failed=tuple(str(s) for s in job["failed"]),
                code=str(failure.get("code", "")),
                reason=str(failure.get("reason", "")),
                outputs=str(outputs.get("list", "")),
                url=str(outputs.get("url", "")),
                kind=str(outputs.get("kind", "")),
                file_name=tuple(str(n) for n in outputs.get("name") or ()) if isinstance(outputs.get("name") or (), list) else (),
            ))
        return tuple(out)

    # ------------------------------------------------------------ file references
    def file_refs(self, body: str) -> tuple[FileRef, ...]:
        """Every position below the body schema ``body`` that takes a file reference."""
        found: list[FileRef] = []

        def walk(schema: Any, path: tuple[str, ...], seen: frozenset[str]) -> None:
            target, name = self.deref(schema)
            if not isinstance(target, dict) or len(path) > 8:
                return
            if name is not None:
                if name in seen:
                    return
                seen = seen | {name}
            spec = target.get("x-genspec-file")
            if isinstance(spec, dict) and path:
                found.append(FileRef(path, str(spec.get("data", "")), str(spec.get("mime", "")), str(spec.get("url", "")), str(spec.get("id", "")), str(spec.get("stored", ""))))
                return
            for key, sub in (target.get("properties") or {}).items() if isinstance(target.get("properties"), dict) else ():
                walk(sub, path + (key,), seen)
            if isinstance(target.get("items"), (dict, bool)):
                walk(target["items"], path + ("[]",), seen)

        walk(self.components[body][0], (), frozenset({body}))
        return tuple(found)

    # ------------------------------------------------------------ CLI options
    def cli_options(self, body: str) -> tuple[CliOption, ...]:
        """Options for a command whose request body is component ``body``.

        Top-level properties give ``--name`` (scalars typed, enums as choices, objects and
        arrays of objects as JSON/YAML values, arrays repeatable); properties of nested objects
        also give dotted flags (``--outer.inner``) down to scalars and arrays of scalars.
        """
        schema, _ = self.deref(self.components[body][0])
        required = {r for r in schema["required"] if isinstance(r, str)} if isinstance(schema, dict) and isinstance(schema.get("required"), list) else set()
        out: list[CliOption] = []

        def option(path: tuple[str, ...], sub: Any, top: bool) -> CliOption | None:
            target, _ = self.deref(sub)
            flag = "--" + ".".join(p.replace("_", "-") for p in path)
            dest = "__".join(snake(p) for p in path)
            help_text = self.description(sub)
            kind = self.kind(target)
            is_req = top and path[0] in required
            if isinstance(target, dict) and isinstance(target.get("enum"), list) and all(isinstance(v, str) for v in target["enum"]):
                return CliOption((flag,), dest, path, "choice", False, is_req, help_text, tuple(target["enum"]))
            if kind == "string" and isinstance(target, dict) and target.get("format") == "binary":
                return CliOption((flag,), dest, path, "file", False, is_req, help_text + " (a file: @path or path)")
            if kind in ("string", "integer", "number", "boolean"):
                return CliOption((flag,), dest, path, {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}[kind], False, is_req, help_text)
            if kind == "array":
                item = target.get("items", {})
                item_t, _ = self.deref(item)
                ik = self.kind(item)
                if isinstance(item_t, dict) and "enum" in item_t and all(isinstance(v, str) for v in item_t["enum"] or []):
                    return CliOption((flag,), dest, path, "choice", True, is_req, help_text, tuple(item_t["enum"]))
                if ik in ("string", "integer", "number"):
                    return CliOption((flag,), dest, path, {"string": "str", "integer": "int", "number": "float"}[ik], True, is_req, help_text)
                if ik in ("array", "any"):
                    return CliOption((flag,), dest, path, "value", True, is_req, help_text + " (JSON or YAML; repeat for more)")
                # items that are never lists: a list given is the items, as repeating the flag
                return CliOption((flag,), dest, path, "values", True, is_req, help_text + " (JSON or YAML; repeat for more, or give a list)")
            if kind == "object" or kind == "any":
                return CliOption((flag,), dest, path, "value", False, is_req, help_text + " (JSON or YAML)")
            return None

        def walk(props: dict, prefix: tuple[str, ...], depth: int) -> None:
            for key, sub in props.items():
                if self.read_only(sub):
                    continue
                path = prefix + (key,)
                opt = option(path, sub, depth == 0)
                if opt is not None:
                    out.append(opt)
                target, _ = self.deref(sub)
                if depth < 3 and isinstance(target, dict) and self.kind(target) == "object" and isinstance(target.get("properties"), dict) and not target.get("x-genspec-file"):
                    walk(target["properties"], path, depth + 1)

        if isinstance(schema, dict) and isinstance(schema.get("properties"), dict):
            walk(schema["properties"], (), 0)
        return tuple(out)

