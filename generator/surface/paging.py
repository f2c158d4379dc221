"""Keyset pagination (``info.x-genspec.pages``) and file transfers
(``info.x-genspec.transfers``), read from the spec and checked against its operations.

A page declaration names a list operation, the query parameter taking the cursor and the
response fields holding the items, whether more follow (``more``) and the next cursor
(``next``); the client's method then returns a page object that iterates over every item of
every page. A transfer declaration names the operation creating the object (inline through a
multipart body's binary part, or presigned through its JSON body), the operation completing a
presigned transfer and the job that waits for the result; the client gets
``<group>.<name>(path_or_file, ...)``, choosing the mode by size.
"""

from __future__ import annotations

from typing import Any

from genspec.load.ir import BodyField, Job, Operation, Pages, Transfer
from genspec.load.naming import snake
from genspec.surface.surface import Surface

_PAGES = "/info/x-genspec/pages"
_TRANSFERS = "/info/x-genspec/transfers"


def _entries(surface: Surface, raw: Any, ptr: str, shape: str) -> list[tuple[str, dict[str, Any]]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        surface.r.add(ptr, f"{ptr.rsplit('/', 1)[-1]} must be a list of objects", f"write {shape}")
        return []
    return [(f"{ptr}/{i}", e) for i, e in enumerate(raw)]


def _missing(surface: Surface, here: str, entry: dict[str, Any], keys: tuple[str, ...], shape: str) -> bool:
    missing = [k for k in keys if not isinstance(entry.get(k), str) or not entry.get(k)]
    if missing:
        surface.r.add(here, f"lacks {', '.join(missing)} (each a name)", f"write {shape}")
    return bool(missing)


def _properties(surface: Surface, name: str | None) -> dict[str, Any]:
    schema, _ = surface.deref(surface.components.get(name, ({}, ""))[0] if name else {})
    props = schema.get("properties") if isinstance(schema, dict) else None
    return props if isinstance(props, dict) else {}


def pages(surface: Surface, raw: Any, operations: tuple[Operation, ...]) -> tuple[Pages, ...]:
    """Page declarations of ``info.x-genspec.pages``; problems go to the surface's reporter."""
    shape = "pages: [{operation: listThings, cursor: cursor, items: data, more: more, next: next}]"
    ops = {op.operation_id: op for op in operations}
    out: list[Pages] = []
    for here, entry in _entries(surface, raw, _PAGES, shape):
        if _missing(surface, here, entry, ("operation", "cursor", "items", "next"), shape):
            continue
        op = ops.get(entry["operation"])
        if op is None:
            surface.r.add(here + "/operation", f"names unknown operation {entry['operation']!r}", "use an operationId of this spec")
            continue
        cursor = next((p for p in op.params if p.name == entry["cursor"] and p.location == "query"), None)
        if cursor is None:
            surface.r.add(here + "/cursor", f"{op.operation_id} has no query parameter {entry['cursor']!r}", "name the query parameter that takes the cursor")
            continue
        props = _properties(surface, op.response_schema)
        more = entry.get("more") if isinstance(entry.get("more"), str) else ""
        absent = [k for k in (entry["items"], entry["next"], more) if k and k not in props]
        if absent:
            surface.r.add(here, f"{op.operation_id}'s response has no property {absent[0]!r}", "name properties of the success response's schema")
            continue
        items_schema, _ = surface.deref(props[entry["items"]])
        if surface.kind(items_schema) != "array":
            surface.r.add(here + "/items", f"{entry['items']!r} of {op.operation_id}'s response is not an array", "name the array holding the page's items")
            continue
        _, item_name = surface.deref(items_schema.get("items", {}))
        out.append(Pages(op.operation_id, cursor.name, cursor.py_name, entry["items"], item_name or "", more, entry["next"]))
    return tuple(out)


def _media_schema(document: Any, op: Operation, media: str) -> Any:
    """The schema of ``op``'s request body sent as ``media`` (from the raw document)."""
    node = ((document or {}).get("paths") or {}).get(op.path, {}).get(op.method, {}) if isinstance(document, dict) else {}
    content = ((node.get("requestBody") or {}).get("content") or {}) if isinstance(node, dict) else {}
    return ((content.get(media) or {}).get("schema") or {}) if isinstance(content, dict) else {}


def transfers(surface: Surface, raw: Any, operations: tuple[Operation, ...], jobs: tuple[Job, ...],
              document: Any, body_fields: dict[str, tuple[BodyField, ...]]) -> tuple[Transfer, ...]:
    """Transfer declarations of ``info.x-genspec.transfers``; problems go to the reporter."""
    shape = ("transfers: [{name: send, create: createThing, complete: completeThing, job: thing, "
             "inline: {media: multipart/form-data, part: file}, presigned: {size: size, mime: type, "
             "filename: filename, target: put, url: url, headers: headers}}]")
    ops = {op.operation_id: op for op in operations}
    by_job = {job.name: job for job in jobs}
    out: list[Transfer] = []
    for here, entry in _entries(surface, raw, _TRANSFERS, shape):
        inline = entry.get("inline") if isinstance(entry.get("inline"), dict) else {}
        presigned = entry.get("presigned") if isinstance(entry.get("presigned"), dict) else {}
        if _missing(surface, here, entry, ("name", "create", "complete", "job"), shape) \
                or _missing(surface, here + "/inline", inline, ("media", "part"), shape) \
                or _missing(surface, here + "/presigned", presigned, ("size", "mime", "target", "url"), shape):
            continue
        create, complete, job = ops.get(entry["create"]), ops.get(entry["complete"]), by_job.get(entry["job"])
        if create is None or complete is None:
            surface.r.add(here, f"names unknown operation {entry['create'] if create is None else entry['complete']!r}", "use operationIds of this spec")
            continue
        if job is None:
            surface.r.add(here + "/job", f"names unknown job {entry['job']!r}", "name a job of info.x-genspec.jobs")
            continue
        if inline["media"] not in create.body_medias:
            surface.r.add(here + "/inline/media", f"{create.operation_id} takes no {inline['media']} body", "name one of its request media types")
            continue
        inline_schema, inline_name = surface.deref(_media_schema(document, create, inline["media"]))
        part_props = inline_schema.get("properties") if isinstance(inline_schema, dict) and isinstance(inline_schema.get("properties"), dict) else {}
        part, _ = surface.deref(part_props.get(inline["part"]))
        if not isinstance(part, dict) or part.get("format") != "binary" and "contentMediaType" not in part:
            surface.r.add(here + "/inline/part", f"the {inline['media']} body of {create.operation_id} has no binary part {inline['part']!r}", "name a property with format: binary")
            continue
        fields = {f.name: f for f in body_fields.get(create.operation_id, ())}
        absent = [k for k in (presigned["size"], presigned["mime"]) if k not in fields]
        if absent:
            surface.r.add(here + "/presigned", f"the JSON body of {create.operation_id} has no property {absent[0]!r}", "name properties of its JSON body")
            continue
        filename = str(presigned.get("filename") or "")
        own = {presigned["size"], presigned["mime"], filename, inline["part"]}
        shared = tuple((f.name, f.py_name, f.py_type) for f in fields.values() if f.name not in own and f.name in part_props)
        limit = part.get("maxLength")
        out.append(Transfer(
            method=snake(entry["name"]), group=create.group, create=create.operation_id, complete=complete.operation_id, job=job.name,
            part=inline["part"], inline_media=inline["media"], inline_max=limit if isinstance(limit, int) and not isinstance(limit, bool) else 0,
            size=presigned["size"], mime=presigned["mime"], filename=filename if filename in fields else "", target=presigned["target"],
            url=presigned["url"], headers=str(presigned.get("headers") or ""), inline_schema=inline_name or "", shared=shared,
        ))
    return tuple(out)
