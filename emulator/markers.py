"""Test markers in the prompt: deterministic ways to reach every failure code and error.

A marker is ``[[name:value]]`` anywhere in the prompt (the rest of the prompt is ignored):

* ``[[fail:CODE]]``: the job ends ``failed`` with ``failure_code`` CODE (a code of the spec);
* ``[[hold:queued]]`` / ``[[hold:processing]]``: the job stays in that state forever;
* ``[[delay:SECONDS]]``: this job ends after SECONDS instead of ``--complete-after``;
* ``[[http:STATUS]]`` / ``[[http:STATUSxN]]``: the create answers STATUS (429 or 500),
  always or for the first N creates of this caller with this exact prompt;
* ``[[poll:STATUS]]`` / ``[[poll:STATUSxN]]``: GET of the job answers STATUS (429 or 500),
  always or for its first N polls.

Only these five names are markers (``[[other:x]]`` is plain prompt text). A marker with a
bad value, a repeated one, or fail together with hold is a 400 violation (rule
``emulator-marker``) at ``/prompt``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from luma_gen import Violation

from .config import FAILURE_CODES

RULE = "emulator-marker"
#: statuses a marker may force: the transient errors the spec declares for both operations
FORCIBLE_STATUSES = (429, 500)
HOLD_STATES = ("queued", "processing")
NAMES = ("fail", "hold", "delay", "http", "poll")
MARKER = re.compile(r"\[\[(" + "|".join(NAMES) + r"):([^\[\]]*)\]\]")
_STATUS = re.compile(r"(\d{3})(?:x(\d{1,6}))?")


@dataclass(frozen=True)
class ForcedStatus:
    """A status a marker forces: ``status`` (429 or 500) for the first ``times`` requests
    (None: every request)."""

    status: int
    times: int | None


@dataclass(frozen=True)
class Markers:
    """The markers of one prompt; every field None when the prompt has no marker of that kind.

    ``delay`` is in seconds.
    """

    fail: str | None = None
    hold: str | None = None
    delay: float | None = None
    http: ForcedStatus | None = None
    poll: ForcedStatus | None = None


def _status(name: str, value: str) -> tuple[ForcedStatus | None, str]:
    m = _STATUS.fullmatch(value)
    if not m or int(m.group(1)) not in FORCIBLE_STATUSES:
        allowed = " or ".join(str(s) for s in FORCIBLE_STATUSES)
        return None, f"[[{name}:...]] takes {allowed}, optionally with xN (e.g. 500x2), not {value!r}"
    times = int(m.group(2)) if m.group(2) is not None else None
    return ForcedStatus(int(m.group(1)), times), ""


def _one(name: str, value: str) -> tuple[object, str]:
    """``(parsed value, "")`` for a well-formed marker, ``(None, what is wrong)`` otherwise."""
    if name == "fail":
        if value not in FAILURE_CODES:
            return None, f"[[fail:...]] takes a failure code ({', '.join(FAILURE_CODES)}), not {value!r}"
        return value, ""
    if name == "hold":
        if value not in HOLD_STATES:
            return None, f"[[hold:...]] takes {' or '.join(HOLD_STATES)}, not {value!r}"
        return value, ""
    if name == "delay":
        try:
            seconds = float(value)
        except ValueError:
            seconds = math.nan
        if not math.isfinite(seconds) or seconds < 0 or seconds > 86_400:
            return None, f"[[delay:...]] takes seconds from 0 to 86400, not {value!r}"
        return seconds, ""
    return _status(name, value)


def parse_markers(prompt: object) -> tuple[Markers, list[Violation]]:
    """The markers of ``prompt`` and the violations of malformed ones (pointer ``/prompt``).

    A prompt that is not a string has no markers (the spec's validators report its type).
    """
    if not isinstance(prompt, str):
        return Markers(), []
    found: dict[str, object] = {}
    violations: list[Violation] = []
    for m in MARKER.finditer(prompt):
        name = m.group(1)
        if name in found:
            violations.append(Violation("/prompt", RULE, f"marker [[{name}:...]] given twice"))
            continue
        parsed, problem = _one(name, m.group(2).strip())
        if problem:
            violations.append(Violation("/prompt", RULE, problem))
            continue
        found[name] = parsed
    if "fail" in found and "hold" in found:
        violations.append(Violation("/prompt", RULE, "[[fail:...]] and [[hold:...]] exclude each other"))
    return Markers(**found), violations  # type: ignore[arg-type]


def marker_for(failure_code: str) -> str:
    """The marker that makes a job fail with ``failure_code``: ``"[[fail:CODE]]"``.

    Raises ``ValueError`` for a code the spec's GenerationFailureCode does not define.
    """
    if failure_code not in FAILURE_CODES:
        raise ValueError(f"unknown failure code {failure_code!r}; known: {', '.join(FAILURE_CODES)}")
    return f"[[fail:{failure_code}]]"
