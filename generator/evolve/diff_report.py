"""Output of ``genspec diff``: text for people, JSON for tools, Markdown for pull requests,
and the exit code ``--fail-on`` asks for."""

from __future__ import annotations

import json
from typing import Any

from genspec.evolve.diff import (
    BREAKING,
    NON_BREAKING,
    SEVERITIES,
    WARNING,
    Change,
    Report,
)

_TITLES = {BREAKING: "BREAKING", WARNING: "WARNING", NON_BREAKING: "NON-BREAKING"}
_MD_TITLES = {BREAKING: "Breaking", WARNING: "Warnings", NON_BREAKING: "Non-breaking"}


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=False, separators=(", ", ": "))
    return text if len(text) <= limit else f"{text[: limit - 1]}… ({len(text)} chars)"


def _cex_line(cex: dict[str, Any]) -> str:
    return f"{_short(cex['body'])} ({cex['accepted_by']} accepts; {cex['rejected_by']} rejects: {cex['violation']})"


def totals(report: Report) -> str:
    """``N changes: B breaking, W warnings, M non-breaking``."""
    b, w, n = (report.count(s) for s in SEVERITIES)
    total = len(report.changes)
    return f"{total} change{'s' if total != 1 else ''}: {b} breaking, {w} warning{'s' if w != 1 else ''}, {n} non-breaking"


def text(report: Report) -> str:
    """Grouped by severity; each change with its place, kind, reason and counterexample."""
    lines = [f"genspec diff {report.old} -> {report.new} ({report.tried} request bodies run through both validators)"]
    for severity in SEVERITIES:
        group = [c for c in report.changes if c.severity == severity]
        lines.append("")
        lines.append(f"{_TITLES[severity]} ({len(group)})")
        for c in group:
            lines.append(f"  {c.pointer}: {c.message} [{c.kind}]" + (f"  ({c.where})" if c.where else ""))
            lines.append(f"      why: {c.reason}")
            if c.counterexample:
                label = "counterexample" if c.counterexample["accepted_by"] == "OLD" else "example"
                lines.append(f"      {label}: {_cex_line(c.counterexample)}")
            if c.also:
                lines.append(f"      also: {', '.join(c.also)}")
    lines.append("")
    lines.append(totals(report))
    return "\n".join(lines)


def as_json(report: Report) -> str:
    """Machine-readable: the specs, counts per severity, every change."""
    data = {
        "old": report.old,
        "new": report.new,
        "bodies_tried": report.tried,
        "summary": {s: report.count(s) for s in SEVERITIES},
        "changes": [c.as_dict() for c in report.changes],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def markdown(report: Report) -> str:
    """A Markdown section with one table per severity, for a pull request or changelog."""
    b, w, n = (report.count(s) for s in SEVERITIES)
    lines = [
        f"## API changes: `{report.old}` → `{report.new}`",
        "",
        f"**{b} breaking, {w} warning{'s' if w != 1 else ''}, {n} non-breaking** ({report.tried} request bodies run through both validators)",
    ]
    for severity in SEVERITIES:
        group = [c for c in report.changes if c.severity == severity]
        if not group:
            continue
        lines += ["", f"### {_MD_TITLES[severity]} ({len(group)})", "", "| Where | Change | Why |", "|---|---|---|"]
        for c in group:
            where = f"`{_cell(c.pointer)}`" + "".join(f"<br>`{_cell(a)}`" for a in c.also)
            why = _cell(c.reason)
            if c.counterexample:
                label = "counterexample" if c.counterexample["accepted_by"] == "OLD" else "example"
                why += f"<br>{label}: `{_cell(_short(c.counterexample['body'], 120))}` ({c.counterexample['accepted_by']} accepts, {c.counterexample['rejected_by']} rejects: {_cell(c.counterexample['violation'])})"
            lines.append(f"| {where} | {_cell(c.message)} `{c.kind}` | {why} |")
    return "\n".join(lines) + "\n"


FORMATS = {"text": text, "json": as_json, "markdown": markdown}


def exit_code(report: Report, fail_on: str) -> int:
    """1 when a change at or above ``fail_on`` (breaking, warning) exists; 0 otherwise or for never."""
    if fail_on == "never":
        return 0
    levels = SEVERITIES[: SEVERITIES.index(fail_on) + 1]
    return 1 if any(c.severity in levels for c in report.changes) else 0


def worst(changes: list[Change]) -> str | None:
    """The most severe severity among ``changes`` (None when empty)."""
    for severity in SEVERITIES:
        if any(c.severity == severity for c in changes):
            return severity
    return None
