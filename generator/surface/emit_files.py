"""The CLI's strings for keyset pages (``--all``), file transfers (a ``<group> <name> PATH``
command with a progress bar) and sending ``@file`` values through a transfer before the call
(``--<transfer name>``), added to what :func:`genspec.surface.emit.cli_context` computes. Everything
comes from ``info.x-genspec.pages`` and ``info.x-genspec.transfers``.
"""

from __future__ import annotations

from typing import Any

from genspec.load.ir import Api
from genspec.load.naming import snake
from genspec.surface.emit import _click_type, _help, _sentence


def _transfer_command(api: Api, t: Any, taken: set[str]) -> dict[str, Any]:
    job = next(j for j in api.jobs if j.name == t.job)
    wanted = {name for name, _, _ in t.shared} | {t.filename, t.mime}
    decorators, forward = [], []
    for o in api.cli_options.get(t.create, ()):
        if len(o.path) != 1 or o.path[0] not in wanted or o.kind not in ("str", "choice", "int"):
            continue
        typed = f", type={_click_type(o.kind, o.choices)}" if o.kind != "str" else ""
        decorators.append(f"@click.option({o.flags[0]!r}, {o.dest!r}{typed}, help={_help(o.help)!r})")
        forward.append(f"{snake(o.path[0])}=kw[{o.dest!r}]")
    name = t.method.replace("_", "-")
    group = t.group.replace("_", "-")
    return {
        "name": name,
        "func": f"_{snake(t.group)}_{snake(t.method)}_command",
        "group": t.group,
        "method": t.method,
        "help": _sentence(f"Send the local file PATH: inline up to {t.inline_max} bytes ({t.inline_media}), larger files by a presigned PUT "
                          f"with a progress bar; --wait polls until the {job.name} succeeds.", 300),
        "decorators": decorators,
        "forward": ", ".join(forward),
        "id": job.id,
        "state": job.state,
        "job": job.name,
        "poll_cmd": f"{api.cli_name} {group} {next(op.py_method for op in api.operations if op.operation_id == job.poll).replace('_', '-')} {{id}} --wait",
        "taken": name in taken,
    }


def cli_extras(api: Api, ctx: dict[str, Any]) -> dict[str, Any]:
    """``ctx`` (the CLI context) with ``--all`` on paginated lists, ``--<transfer name>`` on commands
    with file references that can name a sent file, and one command per transfer."""
    pages = {p.operation: p for p in api.pages}
    sender = api.transfers[0] if api.transfers else None
    taken = {(c["group"], c["name"]) for c in ctx["commands"]}
    for c in ctx["commands"]:
        page = pages.get(c["operation_id"])
        c["pages"] = None
        if page is not None:
            c["decorators"] = [*c["decorators"], "@click.option('--all', 'all_pages', is_flag=True, help='Follow the cursor: print every item of every page.')"]
            c["pages"] = {"const": f"_PAGES_{snake(page.operation).upper()}", "cursor": page.cursor, "field": page.items}
        refs = [r for r in api.file_refs.get(c["operation_id"], ()) if r.stored]
        c["send"] = None
        if sender is not None and refs:
            c["decorators"] = [*c["decorators"], f"@click.option('--{sender.method.replace('_', '-')}', 'send_files', is_flag=True, help={_help(f'Send each @file through {sender.group} {sender.method} first and reference it by {refs[0].stored}, instead of inline.')!r})"]
            job = next(j for j in api.jobs if j.name == sender.job)
            c["send"] = {"group": sender.group, "method": sender.method, "id": job.id}
    transfers = [_transfer_command(api, t, {n for g, n in taken if g == t.group}) for t in api.transfers]
    return {**ctx, "transfers": [t for t in transfers if not t["taken"]], "uses_pages": any(c["pages"] for c in ctx["commands"])}
