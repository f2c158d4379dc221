"""Strings for the client, types and CLI templates, computed from the intermediate model.

Each ``*_context`` function returns what one template places; templates hold no logic beyond
loops over these values.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class GroupView:
    """A client attribute (``client.<name>``) holding the methods of some operations."""

    name: str
    cls: str
    ops: tuple[OpView, ...]
    jobs: tuple[dict[str, Any], ...]


def _sentence(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "..."


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
    own_kw = tuple(kw)
    kw += [f"{name}: {typ}" for name, typ, _ in EXTRA_ARGS]
    params_sig = ", ".join(sig + ["*"] + kw)
    body_expr = "compact({" + ", ".join(f"{f.name!r}: {f.py_name}" for f in fields) + "})" if op.body_schema else "None"
    path_expr = "{" + ", ".join(f"{p.name!r}: {p.py_name}" for p in op.params) + "}"
    own_forward = tuple([f"{p.py_name}={p.py_name}" for p in op.params] + [f"{f.py_name}={f.py_name}" for f in fields])
    forward = ", ".join(own_forward + tuple(f"{n}={n}" for n, _, _ in EXTRA_ARGS))
    model = _model(models_code, op.response_schema)
    lines = [f"{op.summary or op.operation_id} ({op.method.upper()} {op.path}, operationId {op.operation_id}).", ""]
    if op.description:
        lines += [" ".join(op.description.split()), ""]
    lines.append("Args:")
    for p in op.params:
        lines.append(f"    {p.py_name}: {_sentence(p.description) or p.location + ' parameter'}")
    for f in fields:
        lines.append(f"    {f.py_name}: {_sentence(f.description) or f.name}" + ("" if f.required else " (optional)"))
    for name, _, text in EXTRA_ARGS:
        lines.append(f"    {name}: {text}")
    lines += ["", f"Returns: {model.split('.')[-1] if model != 'None' else 'the JSON body'}.", "",
              "Raises: RequestValidationError (nothing sent), an APIStatusError subclass per status, APIConnectionError, APITimeoutError."]
    return OpView(
        const=f"_OP_{snake(op.operation_id).upper()}",
        operation_id=op.operation_id,
        method=op.method,
        path=op.path,
        success_status=op.success_status,
        model=model,
        return_type=model if model != "None" else "Any",
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
    )


def _job_view(api: Api, job: Job, views: dict[str, OpView]) -> dict[str, Any]:
    start = views[job.start]
    start_kw = ", ".join(start.kw_parts + ("validate: bool = True",))
    forward = ", ".join(start.forward_parts + ("validate=validate",))
    return {
        "const": f"_JOB_{snake(job.name).upper()}",
        "name": job.name,
        "error": f"errors.{job.cls}FailedError",
        "spec_args": (
            f"name={job.name!r}, state={job.state!r}, succeeded={job.succeeded!r}, failed={job.failed!r}, code={job.code!r}, "
            f"reason={job.reason!r}, outputs={job.outputs!r}, url={job.url!r}, kind={job.kind!r}, file_name={job.file_name!r}, error=errors.{job.cls}FailedError"
        ),
        "model": start.return_type,
        "poll_method": job.poll_method,
        "poll_param": job.poll_param,
        "id": job.id,
        "wait_method": "wait",
        "start_and_wait": f"{job.start_method}_and_wait",
        "start_method": job.start_method,
        "start_kw": start_kw,
        "start_forward": forward,
        "id_expr": f"str(getattr(started, {job.id!r}))",
    }


def client_context(api: Api, models_code: str) -> dict[str, Any]:
    """Context of ``client.py``: operation constants, groups with methods, jobs."""
    views = {op.operation_id: op_view(api, op, models_code) for op in api.operations}
    groups: dict[str, list[OpView]] = {}
    for view in views.values():
        groups.setdefault(view.group, []).append(view)
    jobs_by_group: dict[str, list[dict[str, Any]]] = {}
    for job in api.jobs:
        jobs_by_group.setdefault(job.group, []).append(_job_view(api, job, views))
    group_views = tuple(
        GroupView(name, pascal(name), tuple(ops), tuple(jobs_by_group.get(name, ())))
        for name, ops in sorted(groups.items())
    )
    return {
        "ops": tuple(views.values()),
        "groups": group_views,
        "jobs": tuple(j for g in group_views for j in g.jobs),
        "type_names": sorted({t.name for t in api.typedefs}),
    }


def types_context(api: Api) -> dict[str, Any]:
    """Context of ``types.py``: TypedDict and Literal definitions, in dependency-free order."""
    defs = []
    for t in api.typedefs:
        if t.kind == "literal":
            defs.append({"kind": "literal", "name": t.name, "expr": "Literal[" + ", ".join(repr(v) for v in t.values) + "]", "doc": _docstring(_sentence(t.description))})
        else:
            identifier_keys = all(k.isidentifier() and not keyword.iskeyword(k) and not k.startswith("_") for k, _, _, _ in t.fields)
            fields = [(k, typ if req else f"NotRequired[{typ}]", _docstring(_sentence(d, 300))) for k, typ, req, d in t.fields]
            defs.append({"kind": "typeddict", "name": t.name, "fields": fields, "class_syntax": identifier_keys, "doc": _docstring(_sentence(t.description, 300))})
    return {"defs": defs}


def _click_type(kind: str, choices: tuple[str, ...]) -> str:
    if kind == "choice":
        return "click.Choice(" + repr(list(choices)) + ")"
    return {"str": "str", "int": "int", "float": "float", "value": "str"}.get(kind, "str")


def _help(text: str) -> str:
    return _sentence(text, 160).replace("%", "%%")


def cli_context(api: Api) -> dict[str, Any]:
    """Context of ``cli.py``: one click command per operation, grouped like the client."""
    jobs_start = {job.start: job for job in api.jobs}
    jobs_poll = {job.poll: job for job in api.jobs}
    commands = []
    for op in api.operations:
        decorators = []
        arguments = []
        for p in op.params:
            if p.location == "path":
                arguments.append(p.py_name)
                decorators.append(f"@click.argument({p.py_name.upper()!r}, metavar={p.name.upper()!r})")
            else:
                decorators.append(f"@click.option({'--' + p.name.replace('_', '-')!r}, {p.py_name!r}, help={_help(p.description)!r})")
        table = []
        for o in api.cli_options.get(op.operation_id, ()):
            if o.kind == "bool":
                flag = o.flags[0]
                negative = "--no-" + flag[2:]
                decorators.append(f"@click.option({flag + '/' + negative!r}, {o.dest!r}, default=None, help={_help(o.help)!r})")
            else:
                metavar = "VALUE" if o.kind == "value" else None
                decorators.append(
                    f"@click.option({o.flags[0]!r}, {o.dest!r}, type={_click_type(o.kind, o.choices)}, multiple={o.multiple}"
                    + (f", metavar={metavar!r}" if metavar else "")
                    + (", show_choices=False" if len(o.choices) > 6 else "")
                    + f", help={_help(o.help)!r})"
                )
            table.append((o.dest, o.path, o.kind, o.multiple, o.flags[0]))
        refs = tuple((r.path, (r.data, r.mime, r.url, r.id)) for r in api.file_refs.get(op.operation_id, ()))
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
            }
            decorators.append("@click.option('--wait', is_flag=True, help='Poll until the job finishes, with live progress.')")
            decorators.append("@click.option('--download', type=click.Path(file_okay=False), default=None, metavar='DIR', help='Wait, then save the outputs into DIR.')")
            decorators.append("@click.option('--poll-interval', type=float, default=2.0, show_default=True, help='Seconds between polls.')")
            decorators.append("@click.option('--wait-timeout', type=float, default=600.0, show_default=True, help='Give up waiting after this many seconds.')")
        path_expr = "{" + ", ".join(f"{p.name!r}: kw[{p.py_name!r}]" for p in op.params) + "}"
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
            "path_expr": path_expr,
            "job": job_view,
        })
    groups = sorted({c["group"] for c in commands})
    return {"commands": commands, "groups": groups, "jobs": api.jobs}
