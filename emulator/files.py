"""The Files API's handlers: ``POST /files`` (multipart inline or a presigned upload),
``GET /files`` (keyset pages), ``GET``/``DELETE /files/{file_id}``, ``POST .../complete``, the
presigned ``PUT /uploads/{file_id}`` and the checks of ``file_id`` in a generation.

Behaviour the docs leave open, decided here (and in the spec):

* the multipart part ``file`` holds at most :data:`INLINE_CAP` bytes (10 MiB; over it: 413);
* the presigned URL is ``/uploads/{file_id}?expires=T&sig=HEX`` on this server, HMAC-signed
  with the database's secret and valid ``url_ttl`` seconds; the PUT must send exactly
  ``size_bytes`` bytes and the ``Content-Type`` of ``upload.headers`` (else 400); an expired or
  tampered URL is 403;
* ingest takes ``complete_after`` seconds (as a generation does); a file name holding the
  marker ``[[fail]]`` or ``[[fail:REASON]]`` makes it end ``failed``, as does a ``mime_type``
  that is neither ``image/*`` nor ``video/*``;
* ``GET /files`` leaves deleted files out unless ``state=deleted`` asks for them.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import hmac
import math
import re
import sqlite3
import uuid
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from luma_gen import Violation, validate_params, validate_request, validate_schema

from .filestore import FileStore, StoredFile, file_state
from .jobs import VIDEO_SOURCE_TYPES, _created_at
from .media import render_image

if TYPE_CHECKING:
    from .app import Emulator

#: largest inline (multipart) upload, bytes: 10 MiB, as the spec's FileUploadParams says
INLINE_CAP = 10 * 1024 * 1024
#: room for the multipart framing and the small form fields around the file part
MULTIPART_OVERHEAD = 64 * 1024
UPLOADS_PREFIX = "/uploads"
RULE_READY = "file-id-ready"
RULE_KIND = "file-id-kind"
RULE_UPLOADED = "file-upload-received"
#: the rule of a ``cursor`` this server never gave (GET /files)
RULE_CURSOR = "cursor"
_FAIL = re.compile(r"\[\[fail(?::([^\[\]]*))?\]\]")
_DIGITS = re.compile(r"[0-9]{1,12}")


def _mac(secret: bytes, file_id: str, expires: int) -> str:
    return hmac.new(secret, f"upload/{file_id}\n{expires}".encode(), hashlib.sha256).hexdigest()


def _iso(t: float | None) -> str | None:
    return None if t is None else _created_at(t)


def file_view(f: StoredFile, now: float) -> dict[str, Any]:
    """The file as the spec's ``File`` object at ``now``."""
    state = file_state(f, now)
    return {
        "id": f.id,
        "created_at": _created_at(f.created),
        "mime_type": f.mime_type,
        "purpose": f.purpose,
        "size_bytes": f.size_bytes,
        "state": state,
        "deleted_at": _iso(f.deleted),
        "expires_at": f.expires_at,
        "failure_reason": f.failure_reason if state == "failed" else None,
        "filename": f.filename,
        "user_id": f.user_id,
    }


def _failure(mime_type: str, filename: str | None) -> str | None:
    match = _FAIL.search(filename or "")
    if match:
        return match.group(1) or "emulated ingest failure (forced by the file name's [[fail]] marker)"
    if not mime_type.startswith(("image/", "video/")):
        return f"unsupported media type {mime_type!r}: only image/* and video/* files are accepted"
    return None


def _cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"s{seq}".encode()).decode().rstrip("=")


def _seq_of(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return int(text[1:]) if text[:1] == "s" and text[1:].isdigit() else None


def _parse_multipart(content_type: str, raw: bytes) -> tuple[dict[str, tuple[bytes, str | None, str | None]], str]:
    """``({name: (bytes, filename, content type)}, "")`` or ``({}, why)``."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + raw
    )
    if not message.is_multipart():
        return {}, "the multipart body cannot be read (is the boundary right?)"
    parts: dict[str, tuple[bytes, str | None, str | None]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        ctype = part.get("content-type")
        parts[str(name)] = (payload, part.get_filename(), part.get_content_type() if ctype else None)
    return parts, ""


class FilesAPI:
    """The Files API of one :class:`luma_emulator.app.Emulator` (its config, clock, auth)."""

    def __init__(self, emulator: "Emulator"):
        self.emulator = emulator
        self.files = FileStore(emulator.store)

    def _now(self) -> float:
        return self.emulator.clock()

    def _upload(self, request: Request, f: StoredFile, now: float) -> dict[str, Any]:
        expires = int(math.ceil(now)) + self.emulator.config.url_ttl
        base = f"{request.url.scheme}://{request.url.netloc}"
        sig = _mac(self.emulator.store.secret, f.id, expires)
        return {
            "url": f"{base}{UPLOADS_PREFIX}/{f.id}?expires={expires}&sig={sig}",
            "method": "PUT",
            "expires_at": _created_at(expires),
            "headers": {"Content-Type": f.mime_type},
        }

    async def _owned(self, request: Request, op: str) -> tuple[str, StoredFile | None, Response | None]:
        from .app import _invalid, error_response

        who, refused = self.emulator.caller(request)
        if refused is not None:
            return "", None, refused
        assert who is not None
        file_id = request.path_params["file_id"]
        violations = validate_params(op, {"file_id": file_id})
        if violations:
            return who, None, _invalid(violations)
        f = await run_in_threadpool(self.files.get, who, str(uuid.UUID(file_id)))
        if f is None and self.emulator.config.mock_unknown_ids:
            f = await run_in_threadpool(self._mock, who, str(uuid.UUID(file_id)))
        if f is None:
            return who, None, error_response(404, "not_found", f"no file {file_id} for this caller")
        return who, f, None

    # ------------------------------------------------------------------ operations
    async def create_or_list(self, request: Request) -> Response:
        """``/v1/files``: POST creates (:meth:`create`), GET lists (:meth:`list`); one route, so
        that a 405 names both methods in its ``Allow`` header."""
        return await (self.create(request) if request.method == "POST" else self.list(request))

    async def get_or_delete(self, request: Request) -> Response:
        """``/v1/files/{file_id}``: GET reads (:meth:`get`), DELETE soft-deletes (:meth:`delete`)."""
        return await (self.delete(request) if request.method == "DELETE" else self.get(request))

    async def create(self, request: Request) -> Response:
        """POST /v1/files: 201 + CreateFileResponse; 400, 401, 413, 429 + Error."""
        from .app import BodyTooLarge, _invalid, error_response, parse_json, read_body

        who, refused = self.emulator.caller(request)
        if refused is not None:
            return refused
        assert who is not None
        ctype = request.headers.get("content-type", "")
        multipart = ctype.split(";")[0].strip().lower() == "multipart/form-data"
        limit = INLINE_CAP + MULTIPART_OVERHEAD if multipart else self.emulator.config.max_body
        try:
            raw = await read_body(request, limit)
        except BodyTooLarge:
            why = f"over the inline upload cap of {INLINE_CAP} bytes; use the presigned flow (application/json)"
            return error_response(413, "payload_too_large", why if multipart else "the request body is too large")
        now = self._now()
        fid = str(uuid.uuid4())
        if multipart:
            parts, problem = _parse_multipart(ctype, raw)
            if problem:
                return error_response(400, "invalid_request", problem, [Violation("", "multipart", problem)])
            data, part_name, part_type = parts.get("file", (None, None, None))
            if data is not None and len(data) > INLINE_CAP:
                return error_response(413, "payload_too_large", f"the file part is over the inline upload cap of {INLINE_CAP} bytes; use the presigned flow")
            body: dict[str, Any] = {k: v[0].decode("utf-8", "replace") for k, v in parts.items() if k != "file"}
            # the bytes are checked above (the cap); the other parts as the schema's strings
            violations = validate_schema("FileUploadParams", {**body, "file": ""} if data is not None else body)
            if violations:
                return _invalid(violations)
            assert data is not None
            mime = part_type or "application/octet-stream"
            filename = body.get("filename") or part_name
            await run_in_threadpool(self.files.write_bytes, fid, data)
            row = dict(id=fid, caller=who, created=now, mime_type=mime, purpose=body.get("purpose", "input"),
                       size_bytes=len(data), filename=filename, user_id=body.get("user_id"),
                       expires_at=body.get("expires_at"), received=now,
                       ingest_after=self.emulator.config.complete_after, failure_reason=_failure(mime, filename))
            f = await run_in_threadpool(self.files.insert, row)
            return JSONResponse({"id": f.id, "state": file_state(f, now), "file": file_view(f, now), "upload": None}, status_code=201)
        body, problem = parse_json(raw)
        if problem:
            return error_response(400, "invalid_request", problem, [Violation("", "json", problem)])
        violations = validate_request("createFile", body)
        if violations:
            return _invalid(violations)
        row = dict(id=fid, caller=who, created=now, mime_type=body["mime_type"], purpose=body.get("purpose") or "input",
                   size_bytes=body["size_bytes"], filename=body.get("filename"), user_id=body.get("user_id"),
                   expires_at=body.get("expires_at"), received=None,
                   ingest_after=self.emulator.config.complete_after,
                   failure_reason=_failure(body["mime_type"], body.get("filename")))
        f = await run_in_threadpool(self.files.insert, row)
        payload = {"id": f.id, "state": file_state(f, now), "file": file_view(f, now), "upload": self._upload(request, f, now)}
        return JSONResponse(payload, status_code=201)

    async def put_bytes(self, request: Request) -> Response:
        """PUT /uploads/{file_id}?expires=&sig=: 200; 400 wrong size or header; 403 bad URL;
        404 no such file; 409 the bytes already arrived."""
        from .app import BodyTooLarge, error_response, read_body

        file_id = request.path_params["file_id"]
        expires, sig = request.query_params.get("expires"), request.query_params.get("sig")
        if not expires or not sig or not _DIGITS.fullmatch(expires):
            return error_response(403, "forbidden", "the upload URL is not signed (expires and sig are required)")
        if not hmac.compare_digest(_mac(self.emulator.store.secret, file_id, int(expires)).encode(), sig.lower().encode()):
            return error_response(403, "forbidden", "the upload URL's signature does not match")
        if int(expires) < self._now():
            return error_response(403, "forbidden", "the upload URL has expired; create the file again")
        f = await run_in_threadpool(self._any, file_id)
        if f is None:
            return error_response(404, "not_found", f"no file {file_id}")
        if f.received is not None or f.deleted is not None:
            return error_response(409, "conflict", f"file {file_id} already has its bytes")
        sent_type = request.headers.get("content-type")
        if sent_type is None or sent_type.split(";")[0].strip().lower() != f.mime_type.lower():
            return error_response(400, "invalid_request", f"the PUT must send the header Content-Type: {f.mime_type} (from upload.headers)")
        try:
            data = await read_body(request, f.size_bytes)
        except BodyTooLarge:
            return error_response(400, "invalid_request", f"the PUT sent more than size_bytes ({f.size_bytes}) bytes")
        if len(data) != f.size_bytes:
            return error_response(400, "invalid_request", f"the PUT sent {len(data)} bytes; size_bytes is {f.size_bytes}")
        await run_in_threadpool(self.files.write_bytes, f.id, data)
        return Response(status_code=200)

    def _mock(self, who: str, file_id: str) -> StoredFile | None:
        """``--mock-unknown-ids``: a file id no one created answers as a stateless mock would,
        a ready PNG image stored under that id for this caller, so later reads agree. An id
        another caller owns stays 404. Blocks."""
        if self._any(file_id) is not None:
            return None
        data = render_image(file_id, None, "png")
        now = self._now()
        self.files.write_bytes(file_id, data)
        row = dict(id=file_id, caller=who, created=now, mime_type="image/png", purpose="input",
                   size_bytes=len(data), filename=None, user_id=None, expires_at=None,
                   received=now - self.emulator.config.complete_after,
                   ingest_after=self.emulator.config.complete_after, failure_reason=None)
        try:
            return self.files.insert(row)
        except sqlite3.IntegrityError:  # a concurrent read of the same id stored it first
            return self.files.get(who, file_id)

    def _any(self, file_id: str) -> StoredFile | None:
        with self.files.store._read_lock:
            row = self.files.store._read.execute("SELECT caller FROM files WHERE id = ?", (file_id,)).fetchone()
        return self.files.get(row[0], file_id) if row else None

    async def complete(self, request: Request) -> Response:
        """POST /v1/files/{file_id}/complete: 200 + File (ingest starts); 400 if the bytes
        were not PUT; 401, 404, 429."""
        from .app import _invalid

        who, f, refused = await self._owned(request, "completeFile")
        if refused is not None:
            return refused
        assert f is not None
        now = self._now()
        if f.received is None and f.deleted is None:
            if await run_in_threadpool(self.files.read_bytes, f.id) is None:
                return _invalid([Violation("", RULE_UPLOADED, f"no bytes were PUT to file {f.id}'s upload.url yet; PUT them, then complete")])
            await run_in_threadpool(self.files.mark_received, who, f.id, now)
            f = await run_in_threadpool(self.files.get, who, f.id)
            assert f is not None
        return JSONResponse(file_view(f, now))

    async def get(self, request: Request) -> Response:
        """GET /v1/files/{file_id}: 200 + File; 400, 401, 404, 429."""
        _, f, refused = await self._owned(request, "getFile")
        if refused is not None:
            return refused
        assert f is not None
        return JSONResponse(file_view(f, self._now()))

    async def delete(self, request: Request) -> Response:
        """DELETE /v1/files/{file_id}: 204 (soft delete); 400, 401, 404, 429."""
        who, f, refused = await self._owned(request, "deleteFile")
        if refused is not None:
            return refused
        assert f is not None
        await run_in_threadpool(self.files.mark_deleted, who, f.id, self._now())
        return Response(status_code=204)

    async def list(self, request: Request) -> Response:
        """GET /v1/files?cursor=&limit=&purpose=&state=: 200 + FileList, newest first."""
        from .app import _invalid

        who, refused = self.emulator.caller(request)
        if refused is not None:
            return refused
        assert who is not None
        query = request.query_params
        params: dict[str, Any] = {k: query[k] for k in ("cursor", "purpose", "state") if k in query}
        if "limit" in query:
            text = query["limit"]
            params["limit"] = int(text) if re.fullmatch(r"-?[0-9]{1,12}", text) else text
        violations = validate_params("listFiles", params)
        if violations:
            return _invalid(violations)
        limit = params.get("limit", 25)
        before = None
        if "cursor" in params:
            before = _seq_of(params["cursor"])
            if before is None and self.emulator.config.mock_unknown_ids:
                # as a stateless mock answers any cursor: here, the (empty) page past the end
                return JSONResponse({"data": [], "has_more": False, "next_cursor": None})
            if before is None:
                return _invalid([Violation("/cursor", RULE_CURSOR, "the cursor is not one this server gave; pass a previous page's next_cursor")])
        now = self._now()
        wanted_state, wanted_purpose = params.get("state"), params.get("purpose")
        found: list[StoredFile] = []
        more = False
        while True:
            batch = await run_in_threadpool(self.files.page, who, before, 200)
            for f in batch:
                state = file_state(f, now)
                if (state == wanted_state if wanted_state else state != "deleted") and (
                    not wanted_purpose or f.purpose == wanted_purpose
                ):
                    if len(found) == limit:
                        more = True
                        break
                    found.append(f)
            if more or len(batch) < 200:
                break
            before = batch[-1].seq
        return JSONResponse({
            "data": [file_view(f, now) for f in found],
            "has_more": more,
            "next_cursor": _cursor(found[-1].seq) if more else None,
        })

    # ------------------------------------------------------------------ generations
    def check_generation(self, caller: str, body: dict[str, Any], now: float) -> tuple[list[str], list[Violation]]:
        """``(pointers of file_ids naming no file of caller, violations of the others)``: a
        referenced file must be ``ready`` and hold an image (a video for the source of
        video_edit/video_reframe). Blocks (reads the database)."""
        missing: list[str] = []
        violations: list[Violation] = []
        for pointer, fid, kind in file_references(body):
            f = self.files.get(caller, str(uuid.UUID(fid)))
            if f is None:
                missing.append(pointer)
                continue
            state = file_state(f, now)
            if state != "ready":
                violations.append(Violation(pointer, RULE_READY, f"file {f.id} is {state}; only a ready file can be referenced"))
            elif not f.mime_type.startswith(kind + "/"):
                violations.append(Violation(pointer, RULE_KIND, f"file {f.id} holds {f.mime_type}; this position takes an {kind}" if kind == "image" else f"file {f.id} holds {f.mime_type}; this position takes a {kind}"))
        return missing, violations


def file_references(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every ``file_id`` of a valid generation request: ``(JSON Pointer, id, media kind)``."""
    found: list[tuple[str, str, str]] = []

    def add(pointer: str, ref: Any, kind: str) -> None:
        if isinstance(ref, dict) and isinstance(ref.get("file_id"), str):
            found.append((pointer + "/file_id", ref["file_id"], kind))

    add("/source", body.get("source"), "video" if body.get("type") in VIDEO_SOURCE_TYPES else "image")
    for i, ref in enumerate(body.get("image_ref") or []):
        add(f"/image_ref/{i}", ref, "image")
    video = body.get("video") or {}
    add("/video/start_frame", video.get("start_frame"), "image")
    add("/video/end_frame", video.get("end_frame"), "image")
    for i, ref in enumerate(video.get("keyframes") or []):
        add(f"/video/keyframes/{i}", ref, "image")
    for i, ref in enumerate((video.get("edit") or {}).get("keyframes") or []):
        add(f"/video/edit/keyframes/{i}", ref, "image")
    return found

