"""Spec -> intermediate model. The only module that knows OpenAPI's shapes.

:func:`build` reads a loaded :class:`~generator.loader.Document`, checks the OpenAPI
structure genspec relies on (operations, operationIds, parameters, bodies, responses), compiles
every component schema and rule (:mod:`generator.compile`) and returns the
:class:`~generator.ir.Api` plus the compiled validator code. Problems are collected in the
reporter; nothing here raises for a bad spec.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from genspec.load.errors import Reporter
from genspec.load.ir import Api, BodyField, Operation, Param
from genspec.load.loader import Document, escape_pointer
from genspec.load.naming import pascal, snake
from genspec.model.shapes import DEFAULT_STYLE, STYLES, media_kind, pick_media, derived_operation_id, server_url
from genspec.schema.compile import Compiled, Compiler
from genspec.schema.finite import pinned_functions
from genspec.schema.vocabulary import ASSERTABLE_FORMATS
from genspec.surface import paging
from genspec.surface.surface import Surface

#: argument names every client method has (``op_view``'s extra arguments) or the body takes
RESERVED_ARGS = frozenset({"self", "validate", "timeout", "max_retries", "extra_headers", "body"})
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PATH_PARAM = re.compile(r"\{([^{}]+)\}")
_SCHEMA_PREFIX = "#/components/schemas/"


def _document_uri(path: str) -> str:
    """The base URI of the spec file at ``path`` (``file:///...``)."""
    return Path(path).resolve().as_uri()


def _str(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


def ref_name(schema: Any) -> str | None:
    """``{'$ref': '#/components/schemas/X'}`` -> ``'X'``; None for anything else."""
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and schema["$ref"].startswith(_SCHEMA_PREFIX):
        return schema["$ref"][len(_SCHEMA_PREFIX):]
    return None


class _Parser:
    def __init__(self, doc: Document, reporter: Reporter):
        self.doc = doc
        self.data = doc.data
        self.r = reporter
        schemas = self._dict(self._dict(self.data.get("components"), "/components").get("schemas"), "/components/schemas")
        self.components: dict[str, tuple[Any, str]] = {
            str(name): (schema, f"/components/schemas/{escape_pointer(str(name))}") for name, schema in schemas.items()
        }
        self.compiler = Compiler(self.components, reporter, document=self.data, base_uri=_document_uri(doc.path), uri_map=self._uri_map(), formats=self._formats())
        self._path_servers: dict[str, Any] = {}
        self.surface = Surface(self.components, reporter)

    def _formats(self) -> frozenset[str]:
        """``info.x-genspec.assert-formats``: the formats the validators check (the others
        are annotations, as JSON Schema 2020-12 says)."""
        info = self.data.get("info") if isinstance(self.data.get("info"), dict) else {}
        raw = info.get("x-genspec") if isinstance(info.get("x-genspec"), dict) else {}
        found = raw.get("assert-formats")
        if found is None:
            return frozenset()
        ptr = "/info/x-genspec/assert-formats"
        if not isinstance(found, list) or not all(isinstance(f, str) for f in found):
            self.r.add(ptr, "assert-formats must be a list of format names", "write assert-formats: [uuid, date-time]")
            return frozenset()
        for i, name in enumerate(found):
            if name not in ASSERTABLE_FORMATS:
                self.r.add(f"{ptr}/{i}", f"genspec cannot assert format {name!r}", "use one of " + ", ".join(sorted(ASSERTABLE_FORMATS)))
        return frozenset(f for f in found if f in ASSERTABLE_FORMATS)

    def _uri_map(self) -> dict[str, str]:
        """``info.x-genspec.schema-uris``: URI prefix -> local folder (relative to the spec)
        that references to such URIs are read from (genspec never reads the network)."""
        info = self.data.get("info") if isinstance(self.data.get("info"), dict) else {}
        raw = info.get("x-genspec") if isinstance(info.get("x-genspec"), dict) else {}
        found = raw.get("schema-uris")
        if found is None:
            return {}
        if not isinstance(found, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in found.items()):
            self.r.add("/info/x-genspec/schema-uris", "schema-uris must map URI prefixes to local folders", "write schema-uris: {'https://example.com/schemas/': schemas/}")
            return {}
        base = _document_uri(self.doc.path)
        return {prefix: urljoin(base, folder if folder.endswith("/") else folder + "/") for prefix, folder in found.items()}

    def _dict(self, value: Any, ptr: str) -> dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.r.add(ptr, f"expected an object, found {type(value).__name__}", "see the OpenAPI 3.1 structure")
            return {}
        return value

    def _follow(self, node: Any, ptr: str) -> tuple[Any, str]:
        """Follow a ``$ref`` to components (responses, parameters, requestBodies)."""
        for _ in range(20):
            if not (isinstance(node, dict) and isinstance(node.get("$ref"), str)):
                return node, ptr
            ref = node["$ref"]
            if not ref.startswith("#/"):
                self.r.add(ptr + "/$ref", f"external $ref {ref!r} is not supported", "inline it or move it under components")
                return {}, ptr
            try:
                node, ptr = self.doc.resolve(ref), ref[1:]
            except KeyError:
                self.r.add(ptr + "/$ref", f"$ref {ref!r} does not resolve", "fix the reference or define its target")
                return {}, ptr
        self.r.add(ptr, "$ref chain is too long or cyclic", "point the $ref at a definition")
        return {}, ptr

    # ------------------------------------------------------------ top level
    def header(self) -> None:
        version = self.data.get("openapi")
        if not isinstance(version, str) or not version.startswith("3.1"):
            self.r.add("/openapi", f"genspec reads OpenAPI 3.1 documents, this one says openapi: {version!r}", "set openapi: 3.1.0 and use JSON Schema 2020-12 schemas")
        dialect = self.data.get("jsonSchemaDialect")
        if dialect is not None and dialect != "https://json-schema.org/draft/2020-12/schema":
            self.r.add("/jsonSchemaDialect", f"unsupported jsonSchemaDialect {dialect!r}", "use https://json-schema.org/draft/2020-12/schema")
        if not isinstance(self.data.get("info"), dict):
            self.r.add("/info", "the spec has no info object", "add info: {title: ..., version: ...}")
        for name, (_, ptr) in self.components.items():
            if not re.fullmatch(r"[A-Za-z0-9._-]+", name):
                self.r.add(ptr, f"component name {name!r} is not allowed (OpenAPI allows letters, digits, '.', '-' and '_')", "rename it, and the $refs to it")

    def settings(self) -> dict[str, Any]:
        info = self.data.get("info") if isinstance(self.data.get("info"), dict) else {}
        raw = info.get("x-genspec") or {}
        if not isinstance(raw, dict):
            self.r.add("/info/x-genspec", "x-genspec must be an object", "write x-genspec: {package: name}")
            raw = {}
        title = _str(info.get("title"), "api")
        package = _str(raw.get("package"), snake(title))
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", package):
            self.r.add("/info/x-genspec/package", f"package name {package!r} is not a Python module name", "use lower_snake_case")
        env = raw.get("env") if isinstance(raw.get("env"), dict) else {}
        servers = self.data.get("servers") if isinstance(self.data.get("servers"), list) else []
        server = server_url(servers)
        return {
            "title": title,
            "version": _str(info.get("version"), "0"),
            "package": package,
            "cli_name": _str(raw.get("cli"), package.replace("_", "-")),
            "distribution": self._distribution(raw, package),
            "summary": " ".join(_str(info.get("summary"), title).split()),
            "server_url": _str(server).rstrip("/"),
            "env_token": _str(env.get("token"), package.upper() + "_API_KEY"),
            "env_base_url": _str(env.get("base_url"), package.upper() + "_BASE_URL"),
            "max_retries": int(raw.get("max_retries", 2)) if isinstance(raw.get("max_retries", 2), int) else 2,
            "timeout": float(raw.get("timeout", 60)) if isinstance(raw.get("timeout", 60), (int, float)) else 60.0,
        }

    def _distribution(self, raw: dict, package: str) -> str:
        name = _str(raw.get("distribution"), package.replace("_", "-"))
        # PEP 508 names: letters, digits, '.', '-' and '_', starting and ending alphanumeric
        if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", name):
            self.r.add("/info/x-genspec/distribution", f"distribution name {name!r} is not a valid Python distribution name", "use letters, digits, '.', '-' and '_', e.g. my-api-client")
            name = package.replace("_", "-")
        return name

    # ------------------------------------------------------------ operations
    def operations(self) -> list[Operation]:
        paths = self._dict(self.data.get("paths"), "/paths")
        ops: list[Operation] = []
        seen: dict[str, str] = {}
        methods: dict[tuple[str, str], str] = {}
        for path, item in paths.items():
            item_ptr = f"/paths/{escape_pointer(path)}"
            if not isinstance(path, str) or not path.startswith("/"):
                self.r.add(item_ptr, f"path {path!r} must start with /", "write /resource")
                continue
            item = self._dict(item, item_ptr)
            self._path_servers[path] = item.get("servers")
            shared = item.get("parameters") or []
            for method in METHODS:
                if method not in item:
                    continue
                op_ptr = f"{item_ptr}/{method}"
                op = self._dict(item[method], op_ptr)
                op_id = op.get("operationId")
                if "operationId" in op and (not isinstance(op_id, str) or not op_id):
                    self.r.add(op_ptr + "/operationId", f"{method.upper()} {path}: operationId must be a non-empty string", "write operationId: listThings, or leave it out")
                    continue
                if op_id is None:
                    op_id = derived_operation_id(method, path, set(seen))
                if op_id in seen:
                    self.r.add(op_ptr + "/operationId", f"operationId '{op_id}' is used twice (also at {seen[op_id]})", "give every operation its own operationId")
                    continue
                seen[op_id] = op_ptr
                made = self.operation(op_id, method, path, op, op_ptr, shared, item_ptr)
                other = methods.get((made.group, made.py_method))
                if other is not None:
                    self.r.add(op_ptr, f"{op_id} and {other} would both be the method client.{made.group}.{made.py_method}", "rename one operationId, or set x-method-name")
                    continue
                methods[(made.group, made.py_method)] = op_id
                ops.append(made)
        return ops

    def params(self, op_id: str, path: str, raw: list[tuple[Any, str]], op_ptr: str) -> tuple[Param, ...]:
        out: dict[tuple[str, str], Param] = {}
        origin: dict[tuple[str, str], str] = {}
        for node, list_ptr in raw:
            node, ptr = self._follow(node, list_ptr)
            if not isinstance(node, dict) or not isinstance(node.get("name"), str) or node.get("in") not in ("path", "query", "header", "cookie"):
                self.r.add(ptr, "a parameter needs a name and in: path, query, header or cookie", "see the OpenAPI Parameter Object")
                continue
            name, where = node["name"], node["in"]
            if origin.get((where, name)) == list_ptr.rsplit("/", 1)[0]:
                self.r.add(ptr, f"{op_id}: parameter '{name}' in {where} is declared twice", "declare each parameter once")
            origin[(where, name)] = list_ptr.rsplit("/", 1)[0]
            if where == "path" and node.get("required") is not True:
                self.r.add(ptr, f"path parameter '{name}' must be required: true", "add required: true")
            schema = node.get("schema", {})
            style = node.get("style", DEFAULT_STYLE[where])
            if style not in STYLES[where]:
                self.r.add(ptr + "/style", f"{op_id}: style {style!r} is not allowed for a {where} parameter", f"use one of {', '.join(STYLES[where])}")
                style = DEFAULT_STYLE[where]
            explode = node.get("explode", style == "form")
            kind = self.surface.kind(schema)
            items, _ = self.surface.deref(schema.get("items", {}) if isinstance(schema, dict) else {})
            target, _ = self.surface.deref(schema)
            enum = target.get("enum") if isinstance(target, dict) else None
            py_name = snake(name)
            taken = {prm.py_name for key, prm in out.items() if key != (where, name)}
            if py_name in taken or py_name in RESERVED_ARGS:
                py_name = snake(f"{where}_{name}")
            out[(where, name)] = Param(
                name=name,
                py_name=py_name,
                location=where,
                required=bool(node.get("required")) or where == "path",
                description=_str(node.get("description")),
                py_type=self.surface.py_type(schema),
                schema=schema,
                style=str(style),
                explode=bool(explode),
                kind=kind,
                item_kind=self.surface.kind(items),
                choices=tuple(enum) if isinstance(enum, list) and enum and all(isinstance(v, str) for v in enum) else (),
            )
        declared = {name for (where, name) in out if where == "path"}
        in_path = set(_PATH_PARAM.findall(path))
        for name in sorted(in_path - declared):
            self.r.add(op_ptr, f"{op_id}: path template names {{{name}}} but no path parameter '{name}' is declared", f"declare parameters: [{{name: {name}, in: path, required: true}}]")
        for name in sorted(declared - in_path):
            self.r.add(op_ptr, f"{op_id}: path parameter '{name}' is missing from the path {path}", f"add {{{name}}} to the path or remove the parameter")
        return tuple(out.values())

    def operation(self, op_id: str, method: str, path: str, op: dict, op_ptr: str, shared: list, item_ptr: str) -> Operation:
        own = op.get("parameters") or []
        params_raw = [(p, f"{item_ptr}/parameters/{i}") for i, p in enumerate(shared if isinstance(shared, list) else [])]
        params_raw += [(p, f"{op_ptr}/parameters/{i}") for i, p in enumerate(own if isinstance(own, list) else [])]
        params = self.params(op_id, path, params_raw, op_ptr + "/parameters")
        body_schema, body_required, examples, body_media, media_ptr = None, False, (), "application/json", ""
        body_medias: tuple[str, ...] = ()
        if "requestBody" in op:
            body, body_ptr = self._follow(op["requestBody"], op_ptr + "/requestBody")
            body = self._dict(body, body_ptr)
            content = self._dict(body.get("content"), body_ptr + "/content")
            body_media = pick_media(content)
            body_medias = tuple(m for m in content if isinstance(m, str)) if len(content) > 1 else ()
            media = content.get(body_media) if body_media else None
            if body_media is None or not isinstance(media, dict):
                self.r.add(body_ptr, f"{op_id}: the request body has no media type genspec can send", "use application/json (or +json), x-www-form-urlencoded, multipart/form-data, application/octet-stream or text/*")
                body_media = "application/json"
            else:
                media_ptr = f"{body_ptr}/content/{escape_pointer(body_media)}"
                schema = media.get("schema", {"type": "string"} if media_kind(body_media) in ("binary", "text") else {})
                body_schema = ref_name(schema)
                if body_schema is None:
                    body_schema = pascal(op_id) + "Body"
                    self.components[body_schema] = (schema, media_ptr + "/schema")
                elif body_schema not in self.components:
                    self.r.add(media_ptr + "/schema/$ref", f"$ref to components/schemas/{body_schema} does not resolve", "define the schema or fix the name")
                    body_schema = None
                body_required = bool(body.get("required"))
                ex = media.get("examples") or {}
                if isinstance(ex, dict):
                    examples = tuple((str(k), v.get("value")) for k, v in ex.items() if isinstance(v, dict) and "value" in v)
        responses = self._dict(op.get("responses"), op_ptr + "/responses")
        if "responses" in op and not responses:
            self.r.add(op_ptr + "/responses", f"{op_id} declares no responses", "add at least one response, or leave responses out")
        success_status, response_schema, error_schema = 200, None, None
        success_media: list[str] = []
        response_headers: tuple[str, ...] = ()
        response_items: str | None = None
        other_media: list[str] = []
        codes = sorted(str(c) for c in responses)
        keys = sorted(responses, key=str)
        has_2xx = any(str(k).startswith("2") for k in keys)
        for key in keys:
            code = str(key)
            resp, resp_ptr = self._follow(responses[key], f"{op_ptr}/responses/{escape_pointer(code)}")
            if not isinstance(resp, dict):
                continue
            content = self._dict(resp.get("content"), resp_ptr + "/content")
            json_type = next((m for m in content if isinstance(m, str) and media_kind(m) == "json"), None)
            media = content.get(json_type) if json_type else None
            schema = media.get("schema") if isinstance(media, dict) else None
            name = ref_name(schema) if schema is not None else None
            schema_ptr = f"{resp_ptr}/content/{escape_pointer(json_type or '')}/schema"
            if schema is not None and name is None:
                name = f"{pascal(op_id)}Response{pascal(code) if not code.isdigit() else code}"
                self.components[name] = (schema, schema_ptr)
            elif name is not None and name not in self.components:
                self.r.add(schema_ptr + "/$ref", f"$ref to components/schemas/{name} does not resolve", "define the schema or fix the name")
                name = None
            success = code.startswith("2") or (code == "default" and not has_2xx)
            if success and not success_media and (response_schema is None):
                success_status, response_schema = int(code) if code.isdigit() else 200, name
                if isinstance(schema, dict) and schema.get("type") == "array":
                    response_items = ref_name(schema.get("items"))
                success_media = [m for m in content if isinstance(m, str)]
                declared = resp.get("headers") if isinstance(resp.get("headers"), dict) else {}
                response_headers = tuple(str(h) for h in declared if str(h).lower() != "content-type")
            elif (code[:1] in "45" or code == "default") and name and error_schema is None:
                error_schema = name
            if not success:
                other_media += [m for m in content if isinstance(m, str)]
        accept = ", ".join(dict.fromkeys(success_media + other_media)) or "application/json"
        kinds = [media_kind(m) for m in success_media]
        response_kind = "json" if not kinds or "json" in kinds else ("text" if kinds[0] == "text" else "binary")
        tags = op.get("tags") if isinstance(op.get("tags"), list) else []
        group = snake(tags[0]) if tags and isinstance(tags[0], str) else snake(path.strip("/").split("/")[0] or "default")
        py_method = snake(_str(op.get("x-method-name")) or op_id)
        return Operation(
            operation_id=op_id,
            method=method,
            path=path,
            group=group,
            py_method=py_method,
            summary=_str(op.get("summary")),
            description=_str(op.get("description")),
            params=params,
            body_schema=body_schema,
            body_required=body_required,
            response_schema=response_schema if response_kind == "json" else None,
            success_status=success_status,
            statuses=tuple(codes),
            body_examples=examples,
            errors_schema=error_schema,
            auth=self.security(op, op_ptr),
            accept=accept,
            response_kind=response_kind,
            body_media=body_media,
            body_media_ptr=media_ptr,
            body_medias=body_medias,
            response_headers=response_headers,
            response_items=response_items if response_kind == "json" else None,
            server=server_url(op.get("servers")) or server_url(self._path_servers.get(path)),
        )

    def security(self, op: dict, op_ptr: str) -> tuple[tuple[str, str, str], ...]:
        """How the credential is sent for ``op``: its own ``security``, else the spec's."""
        where_ptr = op_ptr + "/security" if "security" in op else "/security"
        reqs = op.get("security") if "security" in op else self.data.get("security")
        if not isinstance(reqs, list) or not reqs or not isinstance(reqs[0], dict):
            return ()
        schemes = self._dict(self._dict(self.data.get("components"), "/components").get("securitySchemes"), "/components/securitySchemes")
        out: list[tuple[str, str, str]] = []
        for name in reqs[0]:
            scheme, ptr = self._follow(schemes.get(name), f"/components/securitySchemes/{escape_pointer(str(name))}")
            if not isinstance(scheme, dict):
                self.r.add(where_ptr + "/0", f"security names {name!r}, which is not under components/securitySchemes", "define the scheme or fix the name")
                continue
            kind = scheme.get("type")
            if kind == "http" and str(scheme.get("scheme", "")).lower() in ("bearer", "basic"):
                out.append((str(scheme["scheme"]).lower(), "header", "Authorization"))
            elif kind == "apiKey" and scheme.get("in") in ("header", "query", "cookie") and isinstance(scheme.get("name"), str):
                out.append(("apikey", scheme["in"], scheme["name"]))
            elif kind in ("oauth2", "openIdConnect"):
                out.append(("bearer", "header", "Authorization"))
            elif kind != "mutualTLS":
                self.r.add(ptr, f"security scheme {name!r} ({kind} {scheme.get('scheme', scheme.get('in', ''))}) is not supported", "use http bearer or basic, apiKey in header, query or cookie, oauth2 or openIdConnect")
        return tuple(out)

    def object_properties(self, schema: Any, depth: int = 0) -> tuple[dict[str, Any], set[str]] | None:
        """Properties and required names of an object schema, its ``allOf`` members merged;
        None when the schema is not an object with properties."""
        schema = self.compiler._deref(schema)
        if not isinstance(schema, dict) or depth > 8:
            return None
        props = dict(schema["properties"]) if isinstance(schema.get("properties"), dict) else {}
        required = {r for r in schema["required"] if isinstance(r, str)} if isinstance(schema.get("required"), list) else set()
        for member in schema.get("allOf") or [] if isinstance(schema.get("allOf"), list) else []:
            if isinstance(member, dict) and "x-rule" in member:
                continue  # a rule's subschema, not a part of the shape
            merged = self.object_properties(member, depth + 1)
            if merged is not None:
                props = {**props, **{k: v for k, v in merged[0].items() if k not in props}}
                required |= merged[1]
        if not props:
            return None
        return props, required

    def body_fields(self, name: str, taken: set[str]) -> tuple[BodyField, ...] | None:
        """The keyword arguments of a request body (readOnly properties left out); None when
        the body is not an object of properties (the method then takes it whole).

        ``taken`` holds the parameter names already used; a property of the same name gets a
        ``body_`` prefix.
        """
        found = self.object_properties(self.components[name][0])
        if found is None:
            return None
        props, required = found
        out = []
        for prop, sub in props.items():
            if not isinstance(sub, dict):
                continue
            target = self.compiler._deref(sub)
            if sub.get("readOnly") is True or (isinstance(target, dict) and target.get("readOnly") is True):
                continue
            py_name = snake(prop)
            if py_name in taken:
                py_name = snake("body_" + prop)
            taken.add(py_name)
            out.append(BodyField(prop, py_name, prop in required, self.surface.py_type(sub), self.surface.description(sub), sub))
        return tuple(sorted(out, key=lambda f: (not f.required,)))


def build(doc: Document, reporter: Reporter) -> tuple[Api, Compiled]:
    """Parse and compile ``doc``; problems go to ``reporter`` (check it before using the result).

    Returns the :class:`Api` and the :class:`Compiled` validator code (functions, constants,
    rules, and ``entry_points``: ``request:<opId>``, ``response:<opId>:<status>``,
    ``params:<opId>`` and ``schema:<Name>`` -> function names).
    """
    p = _Parser(doc, reporter)
    p.header()
    settings = p.settings()
    ops = p.operations()
    entries: dict[str, str] = {}
    for name in sorted(p.components):
        v_fn, ok_fn = p.compiler.component(name)
        entries[f"schema:{name}"] = v_fn
        entries[f"ok:{name}"] = ok_fn
    body_fields: dict[str, tuple[BodyField, ...]] = {}
    for i, op in enumerate(ops):
        if op.body_schema:
            entries[f"request:{op.operation_id}"] = entries[f"schema:{op.body_schema}"]
            fields = p.body_fields(op.body_schema, {prm.py_name for prm in op.params} | RESERVED_ARGS)
            # several media types of which some are not structured: the caller passes the body whole
            mixed = any(media_kind(m) in ("binary", "text") for m in op.body_medias)
            if fields is None or mixed:
                kind = media_kind(op.body_media)
                py_type = {"binary": "bytes", "text": "str"}.get(kind) or p.surface.py_type({"$ref": _SCHEMA_PREFIX + op.body_schema})
                if mixed:
                    kinds = {media_kind(m) for m in op.body_medias}
                    py_type = " | ".join(dict.fromkeys(([py_type] if kind not in ("binary", "text") else []) + (["bytes"] if "binary" in kinds else []) + (["str"] if "text" in kinds else [])))
                ops[i] = op = dataclasses.replace(op, body_whole=True, body_py_type=py_type)
            else:
                body_fields[op.operation_id] = fields
        if op.response_schema:
            entries[f"response:{op.operation_id}"] = entries[f"schema:{op.response_schema}"]
        if op.params:
            props = {prm.name: prm.schema for prm in op.params}
            schema = {"type": "object", "properties": props, "required": [prm.name for prm in op.params if prm.required]}
            name = f"{op.operation_id}.parameters"
            v_fn, _ = p.compiler.inline(name, schema, f"/paths/{escape_pointer(op.path)}/{op.method}/parameters")
            entries[f"params:{op.operation_id}"] = v_fn
    compiled = p.compiler.result
    compiled.entry_points = entries
    compiled.pinned = pinned_functions(entries, p.compiler.components)
    info = doc.data.get("info") if isinstance(doc.data.get("info"), dict) else {}
    settings_raw = info.get("x-genspec") if isinstance(info.get("x-genspec"), dict) else {}
    surface = p.surface
    jobs = surface.jobs(settings_raw.get("jobs"), tuple(ops))
    api = Api(
        title=settings["title"],
        version=settings["version"],
        package=settings["package"],
        cli_name=settings["cli_name"],
        distribution=settings["distribution"],
        summary=settings["summary"],
        server_url=settings["server_url"],
        env_token=settings["env_token"],
        env_base_url=settings["env_base_url"],
        max_retries=settings["max_retries"],
        timeout=settings["timeout"],
        spec_display=doc.display,
        spec_sha256=doc.sha256,
        operations=tuple(ops),
        schemas=tuple(n for n in p.components if "." not in n),
        rules=tuple(sorted(compiled.rules.values(), key=lambda r: r.id)),
        body_fields=body_fields,
        document=doc.data,
        jobs=jobs,
        pages=paging.pages(surface, settings_raw.get("pages"), tuple(ops)),
        transfers=paging.transfers(surface, settings_raw.get("transfers"), tuple(ops), jobs, doc.data, body_fields),
        typedefs=surface.typedefs(),
        file_refs={op.operation_id: surface.file_refs(op.body_schema) for op in ops if op.body_schema},
        cli_options={op.operation_id: surface.cli_options(op.body_schema) for op in ops if op.body_schema},
    )
    return api, compiled
