"""Strings for the client, types and CLI templates, computed from the intermediate model.

Each ``*_context`` function returns what one template places; templates hold no logic beyond
loops over these values.
"""

from __future__ import annotations

import dataclasses
import keyword
import re
import textwrap
from dataclasses import dataclass
from typing import Any

from genspec.load.ir import Api, Job, Operation
from genspec.load.naming import pascal, snake

EXTRA_ARGS = (
    ("validate", "bool = True", "check the request against every rule of the spec first; nothing is sent if it breaks one"),
    ("timeout", "float | None = None", "seconds for this call (default: the client's)"),
    ("max_retries", "int | None = None", "retries for this call (default: the client's)"),
    ("extra_headers", "Mapping[str, str] | None = None", "additional HTTP headers"),
)


@dataclass(frozen=True)
class OpView:
    """One operation as the client template places it."""

    const: str
    operation_id: str
    method: str
    path: str
    success_status: int
    model: str
    return_type: str
    has_body: bool
    py_method: str
    group: str
    params_sig: str
    call_args: str
    body_expr: str
    path_expr: str
    doc: str
    forward: str
    kw_parts: tuple[str, ...]
    forward_parts: tuple[str, ...]
    #: keyword arguments of ``Operation(...)`` beyond the positional ones (``", a=..."``)
    extra: str = ""
    #: ``", content_type=content_type"`` for an operation taking several body media types
    media_arg: str = ""
    #: the signature of ``<method>_to_file`` (binary responses streamed into a file), or ""
    to_file_sig: str = ""
    #: a keyset-paginated list (``x-genspec.pages``): what its method returns instead
    page: "PageView | None" = None


@dataclass(frozen=True)
class PageView:
    """A paginated list method's page: its ``PageSpec`` constant and arguments, the page
    types the sync and async methods return, and the call with the cursor left open."""

    const: str
    spec_args: str
    sync_type: str
    async_type: str
    cursor: str
    path_expr: str


@dataclass(frozen=True)
class GroupView:
    """A client attribute (``client.<name>``) holding the methods of some operations."""

    name: str
    cls: str
    ops: tuple[OpView, ...]
    jobs: tuple[dict[str, Any], ...]
    transfers: tuple[dict[str, Any], ...] = ()


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`'\"(])")


def _sentence(text: str, limit: int = 200) -> str:
    """``text`` on one line, shortened to the whole sentences that fit in ``limit``
    characters (the first sentence always whole): never cut mid-sentence."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in _SENTENCE_END.split(text):
        if kept and len(kept) + 1 + len(sentence) > limit:
            break
        kept = f"{kept} {sentence}" if kept else sentence
    return kept


def _doc(lines: list[str], indent: str = "        ") -> str:
    out: list[str] = []
    for line in lines:
        if not line:
            out.append("")
            continue
        wrapped = textwrap.wrap(line, width=92, subsequent_indent="        " if line.startswith("    ") else "", break_long_words=False, break_on_hyphens=False)
        out.extend(wrapped or [""])
    text = "\n".join(indent + l if l else "" for l in out).replace('"""', "'''").replace("\\", "\\\\")
    return text.lstrip()


def _docstring(text: str) -> str:
    """``text`` made safe inside a triple-quoted docstring (backslashes, quotes, NUL)."""
    text = text.replace(chr(92), chr(92) * 2).replace('"' * 3, "'" * 3).replace(chr(0), "")
    return text + " " if text.endswith('"') else text


def _model(api_models: str, name: str | None) -> str:
    if name and re.search(rf"^class {re.escape(name)}\(", api_models, re.M):
        return f"models.{name}"
    return "None"


def op_view(api: Api, op: Operation, models_code: str) -> OpView:
    """Signature, call and docstring strings of one operation's client method."""
    fields = api.body_fields.get(op.operation_id, ())
    sig: list[str] = []
    for p in op.params:
        if p.location == "path":
            sig.append(f"{p.py_name}: {p.py_type}")
    kw: list[str] = []
    for p in op.params:
        if p.location != "path":
            kw.append(f"{p.py_name}: {p.py_type}" + ("" if p.required else " | None = None"))
    for f in fields:
        kw.append(f"{f.py_name}: {f.py_type}" + ("" if f.required else " | None = None"))
    if op.body_whole:
        kw.insert(0, f"body: {op.body_py_type}" + ("" if op.body_required else " | None = None"))
    if op.body_medias:
        kw.append("content_type: Literal[" + ", ".join(repr(m) for m in op.body_medias) + "] | None = None")
    own_kw = tuple(kw)
    kw += [f"{name}: {typ}" for name, typ, _ in EXTRA_ARGS]
    params_sig = ", ".join(sig + ["*"] + kw)
    body_expr = "compact({" + ", ".join(f"{f.name!r}: {f.py_name}" for f in fields) + "})" if op.body_schema else "None"
    if op.body_whole:
        body_expr = "body"
    path_expr = "{" + ", ".join(f"{p.name!r}: {p.py_name}" for p in op.params) + "}"
    own_forward = tuple([f"{p.py_name}={p.py_name}" for p in op.params] + (["body=body"] if op.body_whole else []) + [f"{f.py_name}={f.py_name}" for f in fields]
                        + (["content_type=content_type"] if op.body_medias else []))
    forward = ", ".join(own_forward + tuple(f"{n}={n}" for n, _, _ in EXTRA_ARGS))
    model = _model(models_code, op.response_schema)
    items = _model(models_code, op.response_items) if model == "None" and op.response_items else "None"
    lines = [f"{op.summary or op.operation_id} ({op.method.upper()} {op.path}, operationId {op.operation_id}).", ""]
    if op.description:
        lines += [" ".join(op.description.split()), ""]
    lines.append("Args:")
    for p in op.params:
        lines.append(f"    {p.py_name}: {_sentence(p.description) or p.location + ' parameter'}")
    if op.body_whole:
        lines.append(f"    body: the request body ({op.body_media})" + ("" if op.body_required else " (optional)"))
    if op.body_medias:
        lines.append(f"    content_type: the media type the body is sent as (default: {op.body_media}, or what the body's Python type fits)")
    for f in fields:
        lines.append(f"    {f.py_name}: {_sentence(f.description) or f.name}" + ("" if f.required else " (optional)"))
    for name, _, text in EXTRA_ARGS:
        lines.append(f"    {name}: {text}")
    returns = {"binary": "the response body as bytes", "text": "the response body as text"}.get(op.response_kind)
    returns = returns or (model.split(".")[-1] if model != "None" else "the JSON body")
    return_type = {"binary": "bytes", "text": "str"}.get(op.response_kind) or (model if model != "None" else "Any")
    if items != "None":  # an array of a model: parsed by a pydantic TypeAdapter
        model, return_type, returns = f"TypeAdapter(list[{items}])", f"list[{items}]", f"a list of {items.split('.')[-1]}"
    lines += ["", f"Returns: {returns}.", ""]
    if op.response_headers:
        lines += [f"Response headers (read them from ``client.last_response.headers``): {', '.join(op.response_headers)}.", ""]
    lines += [
              "Raises: RequestValidationError (nothing sent), an APIStatusError subclass per status, APIConnectionError, APITimeoutError."]
    return OpView(
        const=f"_OP_{snake(op.operation_id).upper()}",
        operation_id=op.operation_id,
        method=op.method,
        path=op.path,
        success_status=op.success_status,
        model=model,
        return_type=return_type,
        has_body=bool(op.body_schema),
        py_method=op.py_method,
        group=op.group,
        params_sig=params_sig,
        call_args=", ".join(sig + kw),
        body_expr=body_expr,
        path_expr=path_expr,
        doc=_doc(lines),
        forward=forward,
        kw_parts=own_kw,
        forward_parts=own_forward,
        extra=_operation_extra(op),
        media_arg=", content_type=content_type" if op.body_medias else "",
        to_file_sig=", ".join(sig + ["*", "save_to: str | os.PathLike[str]"] + kw) if op.response_kind == "binary" else "",
    )


#: how an operation sends its credential unless its spec says otherwise (``Operation.auth``)
DEFAULT_AUTH = (("bearer", "header", "Authorization"),)


def _operation_extra(op: Operation) -> str:
    """Keyword arguments of the client's ``Operation(...)`` that differ from its defaults:
    parameter placement and style, security, Accept, response and body media types."""
    parts = []
    placed = tuple((p.name, p.location, p.style, p.explode) for p in op.params)
    defaults = {("path", "simple", False), ("query", "form", True)}
    if any((loc, style, explode) not in defaults for _, loc, style, explode in placed):
        parts.append(f"params={placed!r}")
    if op.auth != DEFAULT_AUTH:
        parts.append(f"auth={op.auth!r}")
    if op.accept != "application/json":
        parts.append(f"accept={op.accept!r}")
    if op.response_kind != "json":
        parts.append(f"response_kind={op.response_kind!r}")
    if op.body_media != "application/json":
        parts.append(f"body_media={op.body_media!r}")
    if op.body_medias:
        parts.append(f"body_medias={op.body_medias!r}")
    if op.server:
        parts.append(f"server={op.server!r}")
    return "".join(", " + part for part in parts)


def _job_view(api: Api, job: Job, views: dict[str, OpView]) -> dict[str, Any]:
    start = views[job.start]
    sent = next((t for t in api.transfers if t.create == job.start and t.job == job.name), None)
    awaits = ""
    if sent is not None:  # the start's answer names where the bytes go: the caller must send them first
        hint = (f"PUT the bytes to {sent.target}.{sent.url} (with {sent.target}.{sent.headers}) and call "
                f"{job.group}.{views[sent.complete].py_method}(id) first, or use {job.group}.{sent.method}(path), which does both")
        awaits = f", awaits={sent.target!r}, awaits_hint={hint!r}"
    start_kw = ", ".join(start.kw_parts + ("validate: bool = True",))
    forward = ", ".join(start.forward_parts + ("validate=validate",))
    return {
        "const": f"_JOB_{snake(job.name).upper()}",
        "name": job.name,
        "error": f"errors.{job.cls}FailedError",
        "spec_args": (
            f"name={job.name!r}, state={job.state!r}, succeeded={job.succeeded!r}, failed={job.failed!r}, code={job.code!r}, "
            f"reason={job.reason!r}, outputs={job.outputs!r}, url={job.url!r}, kind={job.kind!r}, file_name={job.file_name!r}, error=errors.{job.cls}FailedError"
            + awaits
        ),
        # what wait returns: the poll operation's answer (the start's may wrap the job)
        "model": views[job.poll].return_type,
        "poll_method": job.poll_method,
        "poll_param": job.poll_param,
        "id": job.id,
        "wait_method": "wait",
        "start_and_wait": f"{job.start_method}_and_wait",
        "start_method": job.start_method,
        "start_kw": start_kw,
        "start_forward": forward,
        "id_expr": f"str(getattr(started, {job.id!r}))",
        # a job that declares no outputs (outputs.list) has nothing to download
        "has_outputs": bool(job.outputs),
    }


def _paged(view: OpView, pages: Any, models_code: str) -> OpView:
    """``view`` of a keyset-paginated list: it returns a page over every item of every page."""
    item = _model(models_code, pages.item_schema) if pages.item_schema else "None"
    item = item if item != "None" else "Any"
    const = f"_PAGES_{snake(view.operation_id).upper()}"
    args = f"operation_id={view.operation_id!r}, cursor={pages.cursor!r}, items={pages.items!r}, more={pages.more!r}, next={pages.next!r}"
    path_expr = view.path_expr.replace(f"{pages.cursor!r}: {pages.cursor_py}", f"{pages.cursor!r}: page_cursor")
    said = (f"Returns: a page over every {item.split('.')[-1]} of every page (the next pages are fetched as iteration reaches them); "
            f"its ``page`` is the first {view.return_type.split('.')[-1]}.")
    doc = view.doc.replace(f"Returns: {view.return_type.split('.')[-1]}.", "\n        ".join(textwrap.wrap(said, width=92)))
    page = PageView(const, args, f"SyncPage[{view.return_type}, {item}]", f"AsyncPager[{view.return_type}, {item}]", pages.cursor_py, path_expr)
    return dataclasses.replace(view, page=page, doc=doc)


def _transfer_view(api: Api, t: Any, views: dict[str, OpView]) -> dict[str, Any]:
    """What the client template places for one ``x-genspec.transfers`` method."""
    job = next(j for j in api.jobs if j.name == t.job)
    fields = {f.name: f for f in api.body_fields.get(t.create, ())}
    mime = fields[t.mime].py_name
    named = fields[t.filename].py_name if t.filename else ""
    kw = [f"{py}: {typ} | None = None" for _, py, typ in t.shared] + ([f"{named}: str | None = None"] if named else []) + [f"{mime}: str | None = None"]
    model = views[job.poll].return_type
    create, complete = views[t.create], views[t.complete]
    lines = [
        f"Send a local file (a path, or a binary file open for reading) and return its {model.split('.')[-1]}.", "",
        f"Up to ``inline_max`` bytes (default {t.inline_max}, the spec's cap) go inline in one {create.operation_id} "
        f"({t.inline_media}, part {t.part}); larger files go presigned: {create.operation_id} with their exact size, "
        f"a PUT of the bytes to {t.target}.{t.url} (retried from the first byte, as calls are), then {complete.operation_id}. "
        f"With ``wait`` (the default), polls until the {job.name} succeeds.", "",
        "Args:",
        "    file: a path, or a binary file object (read from where it stands to its end)",
        *[f"    {py}: sent in either mode (optional)" for _, py, _ in t.shared],
        *([f"    {named}: recorded (default: the file's name)"] if named else []),
        f"    {mime}: the bytes' MIME type (default: guessed from the file name)",
        f"    wait: poll until the {job.name} succeeds (``poll_interval``, ``wait_timeout`` in seconds)",
        "    progress: called as ``progress(bytes_sent, total)`` while the bytes go out",
        "    inline_max: the largest file sent inline, bytes (0: always presigned)",
        "    validate, timeout, max_retries: as for every call", "",
        f"Returns: the {model.split('.')[-1]} (its {t.size} checked against the bytes sent).", "",
        f"Raises: RequestValidationError (nothing sent), the status errors of the calls, errors.{job.cls}FailedError, "
        "WaitTimeoutError, TransferError (size mismatch).",
    ]
    return {
        "method": t.method,
        "const": f"_TRANSFER_{snake(t.method).upper()}_{snake(t.group).upper()}",
        "spec_args": (f"part={t.part!r}, inline_media={t.inline_media!r}, inline_schema={t.inline_schema!r}, inline_max={t.inline_max!r}, "
                      f"size={t.size!r}, mime={t.mime!r}, filename={t.filename!r}, target={t.target!r}, url={t.url!r}, headers={t.headers!r}, id={job.id!r}"),
        "kw": ", ".join(kw),
        "fields": "compact({" + ", ".join([f"{name!r}: {py}" for name, py, _ in t.shared] + ([f"{t.filename!r}: {named}"] if named else [])) + "})",
        "mime": mime,
        "create_const": create.const,
        "complete_const": complete.const,
        "model": model,
        "poll": job.poll_method,
        "doc": _doc(lines),
    }


def client_context(api: Api, models_code: str) -> dict[str, Any]:
    """Context of ``client.py``: operation constants, groups with methods, jobs."""
    views = {op.operation_id: op_view(api, op, models_code) for op in api.operations}
    for pages in api.pages:
        views[pages.operation] = _paged(views[pages.operation], pages, models_code)
    groups: dict[str, list[OpView]] = {}
    for view in views.values():
        groups.setdefault(view.group, []).append(view)
    jobs_by_group: dict[str, list[dict[str, Any]]] = {}
    for job in api.jobs:
        jobs_by_group.setdefault(job.group, []).append(_job_view(api, job, views))
    transfers: dict[str, list[dict[str, Any]]] = {}
    for t in api.transfers:
        transfers.setdefault(t.group, []).append(_transfer_view(api, t, views))
    group_views = tuple(
        GroupView(name, pascal(name), tuple(ops), tuple(jobs_by_group.get(name, ())), tuple(transfers.get(name, ())))
        for name, ops in sorted(groups.items())
    )
    return {
        "ops": tuple(views.values()),
        "groups": group_views,
        "jobs": tuple(j for g in group_views for j in g.jobs),
        "type_names": sorted({t.name for t in api.typedefs}),
        "needs_auth": any(op.auth for op in api.operations),
        "uses_adapter": any(v.model.startswith("TypeAdapter(") for v in views.values()),
        "pages": tuple(v.page for v in views.values() if v.page is not None),
        "uses_pages": bool(api.pages),
        "transfers": tuple(t for g in group_views for t in g.transfers),
    }


def types_context(api: Api) -> dict[str, Any]:
    """Context of ``types.py``: TypedDict and Literal definitions, in dependency-free order."""
    defs = []
    later = {t.name for t in api.typedefs}
    for t in api.typedefs:
        if t.kind == "literal":
            defs.append({"kind": "literal", "name": t.name, "expr": "Literal[" + ", ".join(repr(v) for v in t.values) + "]", "doc": _docstring(_sentence(t.description))})
        else:
            identifier_keys = all(k.isidentifier() and not keyword.iskeyword(k) and not k.startswith("_") for k, _, _, _ in t.fields)
            fields = [(k, typ if req else f"NotRequired[{typ}]", _docstring(_sentence(d, 300))) for k, typ, req, d in t.fields]
            if not identifier_keys:  # the functional form evaluates its types at once: quote names defined later
                fields = [(k, _quote_names(typ, later), d) for k, typ, d in fields]
            defs.append({"kind": "typeddict", "name": t.name, "fields": fields, "class_syntax": identifier_keys, "doc": _docstring(_sentence(t.description, 300))})
        later.discard(t.name)
    return {"defs": defs}


def _quote_names(expr: str, names: set[str]) -> str:
    """``expr`` with every name of ``names`` in it turned into a string (a forward reference)."""
    return re.sub(r"\b[A-Za-z_][A-Za-z0-9_]*\b", lambda m: repr(m.group(0)) if m.group(0) in names else m.group(0), expr)


def _click_type(kind: str, choices: tuple[str, ...]) -> str:
    if kind == "choice":
        return "click.Choice(" + repr(list(choices)) + ")"
    return {"str": "str", "int": "int", "float": "float", "value": "str", "values": "str", "file": "_FileBytes()"}.get(kind, "str")


#: choices shown in the option's metavar (``[a|b|c]``); more are listed in its help text
MAX_INLINE_CHOICES = 6



#: dests and flags of the options every command has (``_common`` in cli.py) and of jobs
_CLI_DESTS = frozenset({"fmt", "no_validate", "timeout", "max_retries", "base_url", "auth_token", "wait", "download", "poll_interval", "wait_timeout", "body"})
_CLI_FLAGS = frozenset({"--format", "--no-validate", "--timeout", "--max-retries", "--base-url", "--auth-token", "--wait", "--download", "--poll-interval", "--wait-timeout", "--body", "--help", "--version"})


def _auth_help(api: Api) -> str:
    """Help of ``--auth-token``: what the credential is, from the security schemes used."""
    ways = {scheme for op in api.operations for scheme in op.auth}
    if not ways or ways == set(DEFAULT_AUTH):
        return "Bearer token." if ways else "Credential (no operation needs one)."
    said = {"bearer": "bearer token", "basic": "user:password (HTTP basic)"}
    parts = sorted(said[kind] if kind in said else f"API key ({name} {where})" for kind, where, name in ways)
    return "Credential: " + ", ".join(dict.fromkeys(parts)) + "."


def _param_flag(p: Any) -> str:
    """``--name`` of a query, header or cookie parameter (header names in lower case)."""
    name = p.name.lower() if p.location == "header" else p.name
    return "--" + name.replace("_", "-")


def _param_click_type(p: Any) -> str:
    """The click type of a parameter's values (an array's items; objects are VALUE text)."""
    kind = p.item_kind if p.kind == "array" else p.kind
    if p.choices:
        return "click.Choice(" + repr(list(p.choices)) + ")"
    return {"integer": "int", "number": "float", "boolean": "click.BOOL"}.get(kind, "str")


def _help(text: str) -> str:
    return _sentence(text, 300).replace("%", "%%")


def cli_context(api: Api) -> dict[str, Any]:
    """Context of ``cli.py``: one click command per operation, grouped like the client."""
    jobs_start = {job.start: job for job in api.jobs}
    jobs_poll = {job.poll: job for job in api.jobs}
    poll_names = {op.operation_id: op.py_method.replace("_", "-") for op in api.operations}
    commands = []
    for op in api.operations:
        decorators = []
        arguments = []
        taken_dests = {p.py_name for p in op.params} | _CLI_DESTS
        taken_flags = {_param_flag(p) for p in op.params if p.location != "path"} | _CLI_FLAGS
        converters = []
        for p in op.params:
            ptype = _param_click_type(p)
            if p.location == "path":
                arguments.append(p.py_name)
                typed = f", type={ptype}" if ptype != "str" else ""
                typed += ", nargs=-1, required=True" if p.kind == "array" else ""
                decorators.append(f"@click.argument({p.py_name.upper()!r}, metavar={p.name.upper()!r}{typed})")
            else:
                flag = _param_flag(p)
                typed = f", type={ptype}" if ptype != "str" else ""
                typed += ", multiple=True" if p.kind == "array" else ""
                typed += ", metavar='VALUE'" if p.kind in ("object", "any") else ""
                decorators.append(f"@click.option({flag!r}, {p.py_name!r}{typed}, help={_help(p.description)!r})")
            if p.kind in ("object", "any"):
                converters.append((p.name, p.py_name, "value"))
            elif p.kind == "array":
                converters.append((p.name, p.py_name, "list"))
        if op.body_whole:
            decorators.append(f"@click.option('--body', 'body', metavar='VALUE', required={op.body_required}, help={'The request body (' + op.body_media + '; JSON or YAML, @file for a file).'!r})")
        table = []
        for o in api.cli_options.get(op.operation_id, ()):
            if o.dest in taken_dests or o.flags[0] in taken_flags:
                o = dataclasses.replace(o, dest="body__" + o.dest, flags=("--body." + o.flags[0][2:],))
            if o.kind == "bool":
                flag = o.flags[0]
                negative = "--no-" + flag[2:]
                decorators.append(f"@click.option({flag + '/' + negative!r}, {o.dest!r}, default=None, help={_help(o.help)!r})")
            else:
                many = len(o.choices) > MAX_INLINE_CHOICES
                metavar = "VALUE" if o.kind in ("value", "values") else ("CHOICE" if many else None)
                text = _help(o.help)
                if many:
                    text = (text + ("" if not text or text.endswith((".", "!", "?")) else ".") + f" One of: {', '.join(o.choices)}.".replace("%", "%%")).strip()
                decorators.append(
                    f"@click.option({o.flags[0]!r}, {o.dest!r}, type={_click_type(o.kind, o.choices)}, multiple={o.multiple}"
                    + (f", metavar={metavar!r}" if metavar else "")
                    + f", help={text!r})"
                )
            table.append((o.dest, o.path, o.kind, o.multiple, o.flags[0]))
        if op.response_kind == "binary":
            decorators.append("@click.option('--output', '-o', default='-', show_default=True, metavar='FILE', help='Where the response body goes (- for standard output).')")
        refs = tuple((r.path, (r.data, r.mime, r.url, r.id) + ((r.stored,) if r.stored else ())) for r in api.file_refs.get(op.operation_id, ()))
        job = jobs_start.get(op.operation_id) or jobs_poll.get(op.operation_id)
        job_view = None
        if job is not None:
            job_view = {
                "const": f"_JOB_{snake(job.name).upper()}",
                "group": job.group,
                "id": job.id,
                "state": job.state,
                "name": job.name,
                "start": op.operation_id == job.start,
                "downloads": bool(job.outputs),  # the command has --download
                "poll_cmd": f"{api.cli_name} {job.group.replace('_', '-')} {poll_names[job.poll]} {{id}} --wait",
            }
            decorators.append("@click.option('--wait', is_flag=True, help='Poll until the job finishes, with live progress.')")
            if job.outputs:  # a job without declared outputs has nothing to save
                decorators.append("@click.option('--download', type=click.Path(file_okay=False), default=None, metavar='DIR', help='Wait, then save the outputs into DIR.')")
            decorators.append("@click.option('--poll-interval', type=Seconds(), default=2.0, show_default=True, help='Seconds between polls.')")
            decorators.append("@click.option('--wait-timeout', type=Seconds(zero=True), default=600.0, show_default=True, help='Give up waiting after this many seconds.')")
        path_expr = "{" + ", ".join(f"{p.name!r}: kw[{p.py_name!r}]" for p in op.params) + "}"
        path_expr = f"_params(kw, {path_expr}, {tuple(converters)!r})" if converters else path_expr
        commands.append({
            "name": op.py_method.replace("_", "-"),
            "func": f"_{snake(op.operation_id)}",
            "group": op.group,
            "const": f"_OP_{snake(op.operation_id).upper()}",
            "help": _sentence(op.summary or op.operation_id) + (". " + _sentence(op.description, 300) if op.description else ""),
            "decorators": decorators,
            "table": repr(tuple(table)),
            "refs": repr(refs),
            "has_body": bool(op.body_schema),
            "body_whole": op.body_whole,
            "response_kind": op.response_kind,
            "body_kind": {"binary": "binary", "text": "text"}.get(op.body_media.split("/")[0] if op.body_media.startswith("text/") else ("binary" if op.body_py_type == "bytes" else ""), "value"),
            "path_expr": path_expr,
            "job": job_view,
            "operation_id": op.operation_id,
        })
    groups = sorted({c["group"] for c in commands})
    return {
        "commands": commands,
        "groups": groups,
        "jobs": api.jobs,
        "auth_help": _auth_help(api),
        "uses_params": any(c["path_expr"].startswith("_params(") for c in commands),
        "uses_whole_body": any(c["body_whole"] for c in commands),
        "uses_binary": any(c["response_kind"] == "binary" for c in commands),
        "uses_files": any("type=_FileBytes()" in d for c in commands for d in c["decorators"]),
    }
