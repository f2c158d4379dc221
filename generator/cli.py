"""The ``genspec`` command: thin subcommands over the library; exit codes and output only.

Exit codes: 0 success, 1 a problem found (bad spec, stale files, invalid request), 2 usage
errors or unreadable input. No traceback reaches the user for bad input.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import click
from genspec import __version__
from genspec.load.errors import SpecError, SpecErrors

DEFAULT_SPEC = "spec/generations.yaml"
DEFAULT_OUT = "generated"


#: control characters (a terminal obeys them) and bidirectional overrides, printed escaped
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    """``text`` safe for a terminal: control characters (but newline and tab) written as
    their Python escapes (``\\x1b``), lone surrogates as ``\\udXXX``; the rest as it is."""
    text = _UNSAFE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _print_errors(exc: SpecErrors) -> None:
    for error in exc.errors:
        click.echo(shown(str(error)), err=True)
    n = len(exc.errors)
    click.echo(f"{n} problem{'s' if n != 1 else ''} found", err=True)


def _print_warnings(warnings: list[SpecError]) -> None:
    """One line each on stderr (``file:line: warning: ...``); the command still succeeds."""
    for warning in warnings:
        click.echo(shown(str(warning)), err=True)


def _spec_input(f: Any) -> Any:
    """The spec, given either way: ``--spec SPEC`` or the argument ``SPEC`` (every command
    takes both; :func:`_the_spec` picks the one given)."""
    f = click.argument("spec_arg", metavar="[SPEC]", required=False, type=click.Path(dir_okay=False))(f)
    return click.option("--spec", default=None, type=click.Path(dir_okay=False), help=f"The OpenAPI 3.1 spec, here or as the argument SPEC  [default: {DEFAULT_SPEC}]")(f)


def _the_spec(option: str | None, argument: str | None) -> str:
    """The spec named by ``--spec`` or the argument (the default when neither); a usage
    error (exit 2) when both name different files."""
    if option is not None and argument is not None and option != argument:
        raise click.UsageError(f"two specs given ({argument} and --spec {option}); give one, as SPEC or with --spec")
    return option or argument or DEFAULT_SPEC


class _Main(click.Group):
    """The command group; an unexpected exception becomes one line (a genspec bug), exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, KeyboardInterrupt):
            raise
        except RecursionError:
            click.echo("genspec: the input nests too deeply to process (flatten it, e.g. with $ref)", err=True)
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 - the last line of defence against a traceback
            where = ""
            tb = exc.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            if tb is not None:
                where = f" at {Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
            text = str(exc).splitlines()[0][:200] if str(exc) else ""
            click.echo(f"genspec: internal error {type(exc).__name__}{where}: {text} (this is a genspec bug; please report it with the input that caused it)", err=True)
            sys.exit(1)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="genspec")
def main() -> None:
    """genspec: one OpenAPI 3.1 spec in; models, validators for every rule, a client, a CLI
    and Hypothesis strategies out."""


@main.command()
@_spec_input
def check(spec: str | None, spec_arg: str | None) -> None:
    """Validate SPEC: OpenAPI 3.1 meta-schema, refs, rules, CEL, every example, and the
    package generate would write (rendered and imported)."""
    from genspec.check import check as checker

    spec = _the_spec(spec, spec_arg)
    try:
        checked = checker.run(spec, package=True)
    except SpecErrors as exc:
        _print_errors(exc)
        sys.exit(1)
    api = checked.api
    _print_warnings(checked.warnings)
    examples = sum(len(r.valid_examples) + len(r.invalid_examples) for r in api.rules)
    warned = f", {len(checked.warnings)} warning{'s' if len(checked.warnings) != 1 else ''}" if checked.warnings else ""
    click.echo(f"{spec}: ok{warned} ({len(api.operations)} operations, {len(api.schemas)} schemas, {len(api.rules)} rules, {examples} rule examples)")
    _not_generated(spec, checked.doc.data)


def _not_generated(spec: str, data: Any) -> None:
    """One line naming the spec's webhooks and callbacks: their schemas get models and
    validators, but no client method or command is generated for them."""
    webhooks = data.get("webhooks") if isinstance(data.get("webhooks"), dict) else {}
    callbacks = 0
    for item in (data.get("paths") or {}).values() if isinstance(data.get("paths"), dict) else ():
        for op in item.values() if isinstance(item, dict) else ():
            if isinstance(op, dict) and isinstance(op.get("callbacks"), dict):
                callbacks += len(op["callbacks"])
    if webhooks or callbacks:
        click.echo(f"{spec}: note: {len(webhooks)} webhooks and {callbacks} callbacks: their component schemas get models and validators; no client method or command is generated for them")


def _render_all(spec: str) -> tuple[Any, dict[str, str]]:
    """The checked spec's model and every file it renders; its warnings printed."""
    from genspec.check import check as checker

    checked = checker.run(spec, package=True)
    assert checked.files is not None
    _print_warnings(checked.warnings)
    return checked.api, checked.files


@main.command()
@_spec_input
@click.option("--out", default=DEFAULT_OUT, show_default=True, type=click.Path(file_okay=False), help="Folder that receives the package.")
@click.option("--check", "check_only", is_flag=True, help="Render to a temporary folder, compare, and exit 1 naming the stale files.")
def generate(spec: str | None, spec_arg: str | None, out: str, check_only: bool) -> None:
    """Check SPEC, then render the package into OUT (only changed files are rewritten)."""
    from genspec.render import render

    spec = _the_spec(spec, spec_arg)
    try:
        api, files = _render_all(spec)
    except SpecErrors as exc:
        _print_errors(exc)
        click.echo("generate: nothing written", err=True)
        sys.exit(1)
    out_dir = Path(out)
    if check_only:
        stale = [rel for rel in sorted(files) if not (out_dir / rel).is_file() or (out_dir / rel).read_bytes() != files[rel].encode()]
        pkg = out_dir / api.package
        extra = sorted(
            p.relative_to(out_dir).as_posix()
            for p in (pkg.rglob("*.py") if pkg.is_dir() else [])
            if p.relative_to(out_dir).as_posix() not in files and render._is_generated(p)
        )
        for rel in stale:
            click.echo(f"{out_dir / rel}: stale (run `genspec generate --spec {spec} --out {out}`)", err=True)
        for rel in extra:
            click.echo(f"{out_dir / rel}: no longer generated (run `genspec generate --spec {spec} --out {out}`)", err=True)
        if stale or extra:
            sys.exit(1)
        click.echo(f"{out_dir / api.package}: up to date with {spec}")
        return
    from genspec.evolve import evolution

    previous = evolution.snapshot(out_dir / api.package)
    try:
        report = render.write(files, out_dir, api.package)
    except SpecErrors as exc:
        _print_errors(exc)
        click.echo("generate: nothing written", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"{out}: cannot write: {exc.strerror or exc} (check the folder's permissions)", err=True)
        sys.exit(1)
    _not_generated(spec, api.document)
    click.echo(
        f"{out_dir / api.package}: {len(report.written)} written, {len(report.unchanged)} unchanged"
        + (f", {len(report.removed)} removed" if report.removed else "")
    )
    for rel in report.written:
        click.echo(f"  wrote {out_dir / rel}")
    for rel in report.removed:
        click.echo(f"  removed {out_dir / rel}")
    for line in evolution.summary_lines(previous, api, files):
        click.echo(line)


@main.command()
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(["breaking", "warning", "never"]), default="breaking", show_default=True, help="Exit 1 when a change this severe (or worse) is found.")
def diff(old: str, new: str, fmt: str, fail_on: str) -> None:
    """List every change from spec OLD to spec NEW, classified for existing clients
    (breaking, warning, non-breaking); rule changes are judged by behaviour.

    Exit 0, or 1 when --fail-on finds a change; 2 when a spec does not pass `genspec check`.
    """
    from genspec.evolve import diff as differ
    from genspec.evolve import diff_report

    try:
        report = differ.run(old, new)
    except SpecErrors as exc:
        _print_errors(exc)
        click.echo("diff: fix the spec first (`genspec check SPEC`)", err=True)
        sys.exit(2)
    click.echo(diff_report.FORMATS[fmt](report).rstrip("\n"))
    sys.exit(diff_report.exit_code(report, fail_on))


class _BadInput(Exception):
    pass


def _reject_constant(name: str) -> Any:
    raise _BadInput(f"{name} is not JSON (use a finite number)")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _BadInput(f"duplicate key {key!r} (JSON readers disagree on which value wins)")
        out[key] = value
    return out


def read_json(raw: bytes, name: str) -> Any:
    """Parse request bytes strictly: UTF-8, no NaN/Infinity, no duplicate keys.

    Raises ``_BadInput`` with a one-line reason (``NAME:LINE:COL: ...`` for syntax errors).
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _BadInput(f"{name}: not UTF-8 (byte {exc.start}); save it as UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise _BadInput(f"{name}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except _BadInput as exc:
        raise _BadInput(f"{name}: {exc}") from None
    except RecursionError:
        raise _BadInput(f"{name}: nests too deeply to read") from None
    except ValueError as exc:  # an integer of more than 4300 digits
        raise _BadInput(f"{name}: not readable JSON: {str(exc).split(';')[0]}") from None
    bad = _lone_surrogate(value)
    if bad is not None:
        raise _BadInput(f"{name}: holds the lone surrogate \\u{ord(bad):04x}, which is not Unicode text (send a complete pair or the character itself)")
    return value


def _finite_float(text: str) -> float:
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise _BadInput(f"the number {text[:40]} is out of range (JSON numbers here are finite doubles)")
    return value


def _lone_surrogate(value: Any) -> str | None:
    """The first unpaired UTF-16 surrogate in any string or key of ``value`` (``\\ud800``), if any."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError as exc:
                return node[exc.start]
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
    return None


@main.command()
@click.option("--operation", "operation_id", required=True, help="operationId whose request body to check, e.g. createGeneration.")
@click.option("--spec", default=None, type=click.Path(dir_okay=False), help=f"The OpenAPI 3.1 spec, here or as the argument SPEC  [default: {DEFAULT_SPEC}]")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.argument("paths", metavar="[SPEC] FILE", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
def validate(operation_id: str, spec: str | None, fmt: str, paths: tuple[str, ...]) -> None:
    """Check the request body in FILE (JSON; - for stdin) against every rule of SPEC.

    Exit 0 valid, 1 invalid, 2 for usage errors or unreadable input.
    """
    if len(paths) > 2:
        raise click.UsageError(f"expected [SPEC] FILE, got {len(paths)} arguments")
    spec = _the_spec(spec, paths[0] if len(paths) == 2 else None)
    file = paths[-1]
    from genspec.check import check as checker
    from genspec.check import lint
    from genspec.load import loader
    from genspec.load.errors import Reporter
    from genspec.model import parse

    try:
        raw = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        click.echo(f"{file}: cannot read: {exc.strerror or exc}", err=True)
        sys.exit(2)
    name = "<stdin>" if file == "-" else file
    try:
        body = read_json(raw, name)
    except _BadInput as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    try:
        doc = loader.load(spec)
        reporter = Reporter(doc.path, doc.lines)
        lint.pair_surrogates(doc, reporter)
        api, compiled = parse.build(doc, reporter)
        reporter.raise_if_any()
        validators = checker.load_validators(api, compiled)
    except SpecErrors as exc:
        _print_errors(exc)
        sys.exit(2)
    try:
        violations = validators.validate_request(operation_id, body)
    except KeyError as exc:
        click.echo(f"--operation: {exc} (see the operationIds in {spec})", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps({"valid": not violations, "violations": [v.as_dict() for v in violations]}, indent=2))
    else:
        for v in violations:
            click.echo(shown(f"{v.path or '/'}: {v.message} [{v.rule}]"))
        if not violations:
            click.echo(f"{name}: valid {operation_id} request")
    sys.exit(1 if violations else 0)


def _writable_file(name: str, flag: str) -> None:
    """Exit 2 unless a file ``name`` can be written: its folder exists and is writable, and
    it is not itself a folder."""
    path = Path(name)
    folder = path.parent
    if path.is_dir() or not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        why = "is a folder" if path.is_dir() else f"{folder} is not a writable folder"
        click.echo(f"{flag} {name}: cannot write there ({why}); nothing was sent", err=True)
        sys.exit(2)


@main.command()
@click.option("--base-url", required=True, help="The server's API base, e.g. http://127.0.0.1:8080/v1.")
@_spec_input
@click.option("--operation", "operations", multiple=True, help="operationId to fuzz (repeatable; default: all).")
@click.option("--rule", "rules", multiple=True, help="Rule id to fuzz (repeatable; default: all).")
@click.option("--examples", default=25, show_default=True, type=click.IntRange(1), help="Requests per rule and kind (valid, near miss).")
@click.option("--seed", type=int, help="Hypothesis seed (default: random; the report names it).")
@click.option("--auth-token", help="Bearer token (default: the environment variable the spec names).")
@click.option("--report", "report_file", type=click.Path(dir_okay=False), help="Write the JSON report here.")
@click.option("--allow-remote", is_flag=True, help="Allow a host other than loopback (requests may cost money).")
@click.option("--shrink-budget", default=100, show_default=True, type=click.IntRange(0), help="Requests spent shrinking each mismatching body.")
@click.option("--opaque-format", "opaque", multiple=True, default=("uuid",), show_default=True, help="String format naming server state; valid bodies leave it out where allowed.")
def fuzz(base_url: str, spec: str | None, spec_arg: str | None, operations: tuple[str, ...], rules: tuple[str, ...], examples: int, seed: int | None, auth_token: str | None,
         report_file: str | None, allow_remote: bool, shrink_budget: int, opaque: tuple[str, ...]) -> None:
    """Send valid and near-miss requests drawn from SPEC to a server: valid must get 2xx and a
    response matching the spec, near misses 4xx. Exit 0 clean, 1 mismatches, 2 usage errors."""
    from genspec.fuzz import fuzz as fuzzer
    from rich.console import Console
    from rich.progress import Progress

    spec = _the_spec(spec, spec_arg)
    if report_file:  # before any request: a run is not wasted on a report it cannot write
        _writable_file(report_file, "--report")
    err = Console(stderr=True, highlight=False)
    with Progress(console=err, transient=True) as bar:

        def progress(total: int) -> Any:
            task = bar.add_task("fuzzing", total=total)
            return lambda: bar.advance(task)

        def on_step(row: Any, kind: str) -> None:  # one line per operation, rule and kind
            err.print(f"fuzz: {row.operation} {row.rule} ({kind} done): {row.valid_sent} valid and {row.near_miss_sent} near misses sent, "
                      f"{row.accepted} accepted, {row.rejected} rejected, {row.mismatches} mismatches", markup=False, soft_wrap=True)

        def on_wait(seconds: float, response: Any) -> None:
            err.print(f"fuzz: 429 rate limited: waiting {seconds:g} s (Retry-After) and sending again; not a mismatch "
                      "(start the emulator with --rate-limit 0 to fuzz without waits)", markup=False, soft_wrap=True)

        try:
            report = fuzzer.run(spec, base_url, auth_token=auth_token, operations=operations, rules=rules, examples=examples, seed=seed,
                                allow_remote=allow_remote, opaque_formats=opaque, shrink_budget=shrink_budget, progress=progress,
                                on_step=on_step, on_wait=on_wait)
        except fuzzer.FuzzError as exc:
            click.echo(f"fuzz: {exc}", err=True)
            sys.exit(2)
        except SpecErrors as exc:
            _print_errors(exc)
            sys.exit(2)
    out = Console()
    fuzzer.print_report(report, out if out.is_terminal else Console(width=200))
    if report_file:
        try:
            Path(report_file).write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as exc:
            click.echo(f"{report_file}: cannot write: {exc.strerror or exc}", err=True)
            sys.exit(2)
    sys.exit(0 if report.ok else 1)


if __name__ == "__main__":  # pragma: no cover
    main()
