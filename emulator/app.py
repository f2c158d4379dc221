"""The HTTP layer: a Starlette app serving the spec's two operations under ``/v1`` and the
presigned output files under ``/outputs``.

Every error body is the spec's ``Error`` object ``{"error": {"type", "message",
"violations"?}}``; unknown routes are 404 and wrong methods 405, both JSON.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
import hashlib
import json
import math
import uuid
from typing import Any, AsyncIterator

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from luma_gen import Violation, validate_params, validate_request

from .config import API_PREFIX, CREATE_STATUS, OUTPUTS_PREFIX, Clock, EmulatorConfig, system_clock
from .guard import RateLimiter, bearer_token
from .files import UPLOADS_PREFIX, FilesAPI
from .jobs import check_references, new_job, render_output, state_of, view
from .markers import ForcedStatus, parse_markers
from .media import EXT_TYPES
from .signing import check_signature
from .store import Job, Store, caller_id

#: what a ``--mock-unknown-ids`` answer was made from: the smallest valid request (text to image)
MOCK_REQUEST = {"prompt": "A generation this emulator did not create (--mock-unknown-ids)"}

CREATE = "createGeneration"
GET = "getGeneration"


def error_response(
    status: int,
    kind: str,
    message: str,
    violations: list[Violation] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A JSON response with the spec's ``Error`` body: ``kind`` is the machine-readable
    ``error.type`` (invalid_request, unauthorized, not_found, rate_limited, internal, ...)."""
    error: dict[str, Any] = {"type": kind, "message": message}
    if violations is not None:
        error["violations"] = [v.as_dict() for v in violations]
    return _AsciiJSON({"error": error}, status_code=status, headers=headers)


class _AsciiJSON(JSONResponse):
    """JSON with non-ASCII characters escaped: an error that echoes the request (a key in a
    violation's path) stays encodable even when the request held a lone surrogate."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def _invalid(violations: list[Violation]) -> JSONResponse:
    first = violations[0]
    more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
    message = f"invalid request: {first.path or '/'}: {first.message}{more}"
    return error_response(400, "invalid_request", message, violations)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text} is out of range")
    return value


class BodyTooLarge(Exception):
    """The request body is over the emulator's ``max_body`` bytes (answered with 413)."""


async def read_body(request: Request, max_body: int) -> bytes:
    """The whole request body; raises :class:`BodyTooLarge` past ``max_body`` bytes.

    A ``Content-Length`` over the limit is refused before anything is read. Either way the
    rest of the body is read and dropped, so the client gets the 413 instead of a connection
    reset in the middle of its upload.
    """
    declared = request.headers.get("content-length", "")
    too_large = declared.isdigit() and int(declared) > max_body
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_body:
            too_large = True
        if not too_large:
            chunks.append(chunk)
    if too_large:
        raise BodyTooLarge(f"the request body is larger than the limit of {max_body} bytes")
    return b"".join(chunks)


def parse_json(raw: bytes) -> tuple[Any, str]:
    """``(value, "")`` for a body holding one JSON value, else ``(None, why)`` (one line).

    Refuses non-UTF-8, NaN/Infinity, numbers that overflow and nesting too deep to read.
    """
    if not raw.strip():
        return None, "the request body is empty; send a JSON object"
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"the request body is not UTF-8 (byte {exc.start})"
    try:
        return json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float), ""
    except json.JSONDecodeError as exc:
        return None, f"the request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    except RecursionError:
        return None, "the request body nests too deeply to read"
    except ValueError as exc:
        return None, f"the request body is not valid JSON: {str(exc).splitlines()[0]}"


class Emulator:
    """The emulator's state and request handlers: its ``config``, ``clock`` (epoch seconds),
    ``store`` (SQLite) and per-caller ``limiter``."""

    def __init__(self, config: EmulatorConfig, clock: Clock, store: Store):
        self.config = config
        self.clock = clock
        self.store = store
        self.limiter = RateLimiter(config.rate_limit, config.rate_window, clock)
        #: the accepted keys as caller ids (SHA-256); empty: any well-formed token
        self.api_keys = frozenset(caller_id(key) for key in config.api_keys)
        #: the Files API (its table and the folder of uploaded bytes beside the database)
        self.files = FilesAPI(self)

    # ---------------------------------------------------------------- shared steps
    def caller(self, request: Request) -> tuple[str | None, Response | None]:
        """``(caller id, None)`` for an authorised, not rate-limited request, else
        ``(None, the 401 or 429 response)``."""
        token, why = bearer_token(request.headers.get("authorization"), self.config.api_keys)
        if token is not None and self.api_keys and caller_id(token) not in self.api_keys:
            token, why = None, "the bearer token is not a known API key"
        if token is None:
            challenge = 'Bearer realm="luma-emulator"'
            if request.headers.get("authorization") is not None:
                challenge += ', error="invalid_token"'
            return None, error_response(401, "unauthorized", why, headers={"WWW-Authenticate": challenge})
        who = caller_id(token)
        wait = self.limiter.hit(who)
        if wait:
            message = (
                f"rate limit of {self.config.rate_limit} requests per {self.config.rate_window:g} s "
                f"exceeded; retry after {wait} s"
            )
            return None, error_response(429, "rate_limited", message, headers={"Retry-After": str(wait)})
        return who, None

    def forced(self, forced: ForcedStatus, where: str) -> Response:
        """The error response a ``[[http:...]]`` or ``[[poll:...]]`` marker asks for."""
        if forced.status == 429:
            return error_response(
                429,
                "rate_limited",
                f"rate limited (forced by the prompt's [[{where}:429]] marker)",
                headers={"Retry-After": str(self.config.marker_retry_after)},
            )
        return error_response(500, "internal", f"internal error (forced by the prompt's [[{where}:500]] marker)")

    def view(self, job: Any, request: Request) -> dict[str, Any]:
        """The job's ``Generation`` body now, output URLs on this request's host."""
        base = f"{request.url.scheme}://{request.url.netloc}"
        return view(job, self.clock(), self.store.secret, self.config.url_ttl, base)

    # ---------------------------------------------------------------- operations
    async def create_generation(self, request: Request) -> Response:
        """POST /v1/generations: 201 + Generation; 400, 401, 404, 413, 429, 500 + Error."""
        who, refused = self.caller(request)
        if refused is not None:
            return refused
        assert who is not None
        try:
            raw = await read_body(request, self.config.max_body)
        except BodyTooLarge as exc:
            return error_response(413, "payload_too_large", str(exc))
        body, problem = parse_json(raw)
        if problem:
            return error_response(400, "invalid_request", problem, [Violation("", "json", problem)])
        violations = validate_request(CREATE, body)
        markers, marker_violations = parse_markers(body.get("prompt") if isinstance(body, dict) else None)
        violations += marker_violations
        if violations:
            return _invalid(violations)
        if markers.http is not None:
            key = hashlib.sha256(body["prompt"].encode("utf-8")).hexdigest()
            hits = await run_in_threadpool(self.store.count_marker_hit, who, key)
            if markers.http.times is None or hits < markers.http.times:
                return self.forced(markers.http, "http")
        now = self.clock()
        missing, violations = check_references(self.store, who, body, now)
        file_missing, file_violations = await run_in_threadpool(self.files.check_generation, who, body, now)
        violations += file_violations
        if file_missing:
            where = ", ".join(file_missing)
            return error_response(404, "not_found", f"no file with that id for this caller (at {where})")
        if missing:
            where = ", ".join(missing)
            return error_response(404, "not_found", f"no generation with that id for this caller (at {where})")
        if violations:
            return _invalid(violations)
        job = new_job(who, body, markers, now, self.config.complete_after)
        await run_in_threadpool(self.store.insert, job)  # returns after the commit
        return JSONResponse(self.view(job, request), status_code=CREATE_STATUS)

    async def get_generation(self, request: Request) -> Response:
        """GET /v1/generations/{generation_id}: 200 + Generation; 400, 401, 404, 429, 500."""
        who, refused = self.caller(request)
        if refused is not None:
            return refused
        assert who is not None
        generation_id = request.path_params["generation_id"]
        violations = validate_params(GET, {"generation_id": generation_id})
        if violations:
            return _invalid(violations)
        job = self.store.get(who, str(uuid.UUID(generation_id)))
        if job is None and self.config.mock_unknown_ids:
            job = await self.mock_job(who, str(uuid.UUID(generation_id)))
        if job is None:
            return error_response(404, "not_found", f"no generation {generation_id} for this caller")
        if job.poll_status is not None:
            polls = await run_in_threadpool(self.store.count_poll, job.id)
            if job.poll_times is None or polls < job.poll_times:
                return self.forced(ForcedStatus(job.poll_status, job.poll_times), "poll")
        return JSONResponse(self.view(job, request))

    async def mock_job(self, who: str, generation_id: str) -> Job | None:
        """``--mock-unknown-ids``: a generation no one created answers as a stateless mock
        would, a completed text-to-image generation (:data:`MOCK_REQUEST`) stored under that id
        for this caller, so that later reads agree. An id another caller owns stays 404."""
        if await run_in_threadpool(self.store.get_any, generation_id) is not None:
            return None
        markers, _ = parse_markers(MOCK_REQUEST["prompt"])
        job = dataclasses.replace(new_job(who, dict(MOCK_REQUEST), markers, self.clock() - self.config.complete_after, 0.0), id=generation_id)
        try:
            await run_in_threadpool(self.store.insert, job)
        except sqlite3.IntegrityError:  # a concurrent read of the same id stored it first
            pass
        return await run_in_threadpool(self.store.get, who, generation_id)

    async def get_output(self, request: Request) -> Response:
        """GET /outputs/{generation_id}/{n}.{ext}?expires=&sig=: the file; 403 for a missing,
        tampered or expired signature; 404 for no such output."""
        generation_id = request.path_params["generation_id"]
        filename = request.path_params["filename"]
        name = f"{generation_id}/{filename}"
        why = check_signature(
            self.store.secret, name, request.query_params.get("expires"), request.query_params.get("sig"), self.clock()
        )
        if why:
            return error_response(403, "forbidden", why)
        stem, _, ext = filename.partition(".")
        job = self.store.get_any(generation_id)
        if job is None or not stem.isdigit() or ext not in EXT_TYPES:
            return error_response(404, "not_found", f"no output {name}")
        if state_of(job, self.clock()) != "completed":
            return error_response(404, "not_found", f"no output {name}: the generation is not completed")
        rendered = await run_in_threadpool(render_output, job, int(stem), ext)
        if rendered is None:
            return error_response(404, "not_found", f"no output {name}")
        data, content_type = rendered
        return Response(data, media_type=content_type, headers={"Cache-Control": "private, max-age=3600"})


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        path = request.url.path
        outside = not path.startswith((API_PREFIX + "/", OUTPUTS_PREFIX + "/", UPLOADS_PREFIX + "/"))
        hint = f" (the API's routes start with {API_PREFIX}: does the base URL end in {API_PREFIX}?)" if outside else ""
        return error_response(404, "not_found", f"no route {path}{hint}")
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        return error_response(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed on {request.url.path}; allowed: {allowed}",
            headers=dict(exc.headers or {}),
        )
    return error_response(exc.status_code, "http_error", str(exc.detail), headers=dict(exc.headers or {}))


async def _internal(request: Request, exc: Exception) -> Response:
    return error_response(500, "internal", f"the emulator failed: {type(exc).__name__}")


def create_app(config: EmulatorConfig | None = None, clock: Clock = system_clock) -> Starlette:
    """The emulator as an ASGI app. Opens the database now (raises
    :class:`luma_emulator.store.StoreError` if it cannot) and closes it when the app shuts down.

    ``clock`` returns epoch seconds; pass a :class:`luma_emulator.config.ManualClock` in tests.
    """
    config = config or EmulatorConfig()
    emulator = Emulator(config, clock, Store(config.db))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        emulator.store.close()

    prefixes = [API_PREFIX, ""] if config.at_root else [API_PREFIX]
    routes = [
        route
        for prefix in prefixes
        for route in (
            Route(f"{prefix}/generations", emulator.create_generation, methods=["POST"]),
            Route(f"{prefix}/generations/{{generation_id}}", emulator.get_generation, methods=["GET"]),
            Route(f"{prefix}/files", emulator.files.create_or_list, methods=["POST", "GET"]),
            # one route for both methods, so that a 405 (OPTIONS, ...) lists them both in Allow
            Route(f"{prefix}/files/{{file_id}}", emulator.files.get_or_delete, methods=["GET", "DELETE"]),
            Route(f"{prefix}/files/{{file_id}}/complete", emulator.files.complete, methods=["POST"]),
        )
    ]
    routes.append(Route(f"{OUTPUTS_PREFIX}/{{generation_id}}/{{filename}}", emulator.get_output, methods=["GET"]))
    routes.append(Route(f"{UPLOADS_PREFIX}/{{file_id}}", emulator.files.put_bytes, methods=["PUT"]))
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _internal},
        lifespan=lifespan,
    )
    # no 307 to the path without its trailing slash: an id of "/" (or an empty id) is a 404
    app.router.redirect_slashes = False
    app.state.emulator = emulator
    return app
