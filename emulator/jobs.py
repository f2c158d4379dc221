"""Generation jobs: making one from a valid request, its state at a given time, its JSON view,
its output files, and the checks of ``generation_id`` references (chaining).

The state is derived from timestamps when read, so no worker runs and a restart loses
nothing: a job is ``queued`` for the first quarter of its ``complete_after`` seconds,
``processing`` for the rest, then ``completed`` (or ``failed`` if a marker says so).
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timezone
from typing import Any

from luma_gen import Violation

from .config import LAYERING_TYPE, default_model, output_kind
from .markers import Markers
from .media import FORMATS, render_image, render_layer, render_video
from .signing import output_name, sign_path
from .store import Job, Store

#: share of ``complete_after`` a job spends ``queued`` before it is ``processing``
QUEUED_SHARE = 0.25
RULE_KIND = "generation-id-kind"
RULE_COMPLETED = "generation-id-completed"
#: generation types whose ``source`` chains off a prior video output (the others: image)
VIDEO_SOURCE_TYPES = ("video_edit", "video_reframe")


def new_job(caller: str, body: dict[str, Any], markers: Markers, now: float, complete_after: float) -> Job:
    """A fresh job for the valid request ``body`` of ``caller`` created at ``now`` (epoch s).

    ``complete_after`` (seconds) is the server default; a ``[[delay:...]]`` marker overrides it.
    """
    gtype = body.get("type", "image")
    return Job(
        id=str(uuid.uuid4()),
        caller=caller,
        created=now,
        complete_after=markers.delay if markers.delay is not None else complete_after,
        type=gtype,
        model=body.get("model") or default_model(gtype),
        request=body,
        failure_code=markers.fail,
        hold=markers.hold,
        poll_status=markers.poll.status if markers.poll else None,
        poll_times=markers.poll.times if markers.poll else None,
    )


def state_of(job: Job, now: float) -> str:
    """The job's state at ``now`` (epoch seconds): queued, processing, completed or failed."""
    elapsed = now - job.created
    if elapsed < job.complete_after * QUEUED_SHARE or job.hold == "queued":
        return "queued"
    if elapsed < job.complete_after or job.hold == "processing":
        return "processing"
    return "failed" if job.failure_code else "completed"


#: the layers a layering job may plan, front to back before the background: (label,
#: description, alpha_hint)
_FRONT_LAYERS = (
    ("subject", "The main figure, hair and all", "soft"),
    ("foreground object", "The object nearest the camera", "hard"),
    ("midground", "Everything between the subject and the background", "hard"),
)
_BACKGROUND = ("background", "The scene behind every other layer, filled in where they stood", "none")


def layers(job: Job) -> list[dict[str, Any]]:
    """The ``layer`` objects of a layering job's outputs, front to back: two to four, chosen
    from the job id (the server "plans the layers by itself"); the last is the background."""
    count = 2 + hashlib.sha256(job.id.encode()).digest()[0] % 3
    planned = [*_FRONT_LAYERS[: count - 1], _BACKGROUND]
    return [{"index": i, "label": label, "description": text, "alpha_hint": hint} for i, (label, text, hint) in enumerate(planned)]


def _layering_resolution(job: Job) -> str:
    return (job.request.get("layering") or {}).get("resolution") or "1k"


def output_format(job: Job) -> str:
    """The output's format key of :data:`emulator.media.FORMATS`: png, jpeg or mp4."""
    if output_kind(job.type) == "video":
        return "mp4"
    return job.request.get("output_format") or "png"


def _created_at(t: float) -> str:
    stamp = datetime.fromtimestamp(t, tz=timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def view(job: Job, now: float, secret: bytes, ttl: int, base_url: str) -> dict[str, Any]:
    """The job as the spec's ``Generation`` object at ``now``.

    ``base_url`` is the scheme and host the output URLs use (e.g. ``http://127.0.0.1:8080``);
    output URLs are signed for ``ttl`` seconds from ``now``.
    """
    state = state_of(job, now)
    output = None
    if state == "completed":
        ext = FORMATS[output_format(job)][0]
        if job.type == LAYERING_TYPE:
            output = [
                {"type": output_kind(job.type), "url": base_url.rstrip("/") + sign_path(secret, output_name(job.id, i, ext), now, ttl), "layer": layer}
                for i, layer in enumerate(layers(job))
            ]
        else:
            path = sign_path(secret, output_name(job.id, 0, ext), now, ttl)
            output = [{"type": output_kind(job.type), "url": base_url.rstrip("/") + path}]
    failed = state == "failed"
    return {
        "id": job.id,
        "created_at": _created_at(job.created),
        "model": job.model,
        "state": state,
        "type": job.type,
        "failure_code": job.failure_code if failed else None,
        "failure_reason": (
            f"emulated failure {job.failure_code} (forced by the prompt's [[fail:...]] marker)"
            if failed
            else None
        ),
        "output": output,
    }


def render_output(job: Job, index: int, ext: str) -> tuple[bytes, str] | None:
    """``(bytes, content type)`` of the job's output file ``index`` with extension ``ext``, or
    None if the job has no such output. Can take a few hundred milliseconds for videos."""
    fmt = output_format(job)
    if job.type == LAYERING_TYPE:
        planned = layers(job)
        if not 0 <= index < len(planned) or FORMATS[fmt][0] != ext:
            return None
        layer = planned[index]
        return render_layer(job.id, index, len(planned), _layering_resolution(job), layer["alpha_hint"]), FORMATS[fmt][1]
    if index != 0 or FORMATS[fmt][0] != ext:
        return None
    aspect = job.request.get("aspect_ratio")
    if fmt == "mp4":
        duration = (job.request.get("video") or {}).get("duration") or "5s"
        return render_video(job.id, aspect, int(duration.rstrip("s"))), FORMATS[fmt][1]
    return render_image(job.id, aspect, fmt), FORMATS[fmt][1]


def references(body: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every ``generation_id`` of a valid request: ``(JSON Pointer, id, kind it must be)``,
    kind ``"image"`` or ``"video"`` (the media kind of the prior output it chains off)."""
    found: list[tuple[str, str, str]] = []

    def add(pointer: str, ref: Any, kind: str) -> None:
        if isinstance(ref, dict) and isinstance(ref.get("generation_id"), str):
            found.append((pointer + "/generation_id", ref["generation_id"], kind))

    source_kind = "video" if body.get("type") in VIDEO_SOURCE_TYPES else "image"
    add("/source", body.get("source"), source_kind)
    for i, ref in enumerate(body.get("image_ref") or []):
        add(f"/image_ref/{i}", ref, "image")
    video = body.get("video") or {}
    add("/video/start_frame", video.get("start_frame"), "video")
    add("/video/end_frame", video.get("end_frame"), "video")
    for i, ref in enumerate(video.get("keyframes") or []):
        add(f"/video/keyframes/{i}", ref, "image")
    for i, ref in enumerate((video.get("edit") or {}).get("keyframes") or []):
        add(f"/video/edit/keyframes/{i}", ref, "image")
    return found


def check_references(
    store: Store, caller: str, body: dict[str, Any], now: float
) -> tuple[list[str], list[Violation]]:
    """``(pointers of ids naming no generation of caller, violations of the others)``.

    A reference must name a ``completed`` generation of the same caller whose output is of
    the kind the position takes (see :func:`references`).
    """
    missing: list[str] = []
    violations: list[Violation] = []
    for pointer, gid, kind in references(body):
        job = store.get(caller, str(uuid.UUID(gid)))
        if job is None:
            missing.append(pointer)
            continue
        if output_kind(job.type) != kind:
            violations.append(
                Violation(
                    pointer,
                    RULE_KIND,
                    f"generation {job.id} is a {job.type} generation; this position chains off a prior {kind} output",
                )
            )
            continue
        state = state_of(job, now)
        if state != "completed":
            violations.append(
                Violation(
                    pointer,
                    RULE_COMPLETED,
                    f"generation {job.id} is {state}; only a completed generation can be chained from",
                )
            )
    return missing, violations
