"""``genspec fuzz``: against the emulator (every rule exercised both ways, no mismatch), against
a deliberately broken server that accepts everything (mismatches named with their smallest
body, exit 1), and its refusals (remote hosts, unknown names, unreachable servers: exit 2).
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner
from conftest import SPEC
from genspec.cli import main
from genspec.fuzz import fuzz

EXAMPLES = "4"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["fuzz", "--spec", str(SPEC), *args])
    return result.exit_code, result.stdout, result.stderr


class _AcceptEverything(BaseHTTPRequestHandler):
    """Answers every request 201 (POST) or 200 (GET) with a valid, queued generation."""

    def _answer(self, status: int) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = json.dumps({"id": str(uuid.uuid4()), "created_at": "2026-01-01T00:00:00Z", "model": "uni-1", "state": "queued", "type": "image"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(201)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(200)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def broken_server() -> Iterator[str]:
    """A server on loopback that accepts every request; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AcceptEverything)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_against_the_emulator_every_rule_is_exercised_both_ways_without_mismatch(emulator_url: str, emulator_token: str, tmp_path: Path) -> None:
    report_file = tmp_path / "report.json"
    code, out, err = run("--base-url", emulator_url, "--auth-token", emulator_token, "--examples", EXAMPLES, "--seed", "7", "--report", str(report_file))
    assert code == 0, out + err
    report = json.loads(report_file.read_text())
    assert report["ok"] and report["mismatches"] == [] and report["seed"] == 7
    rows = {(r["operation"], r["rule"]): r for r in report["rows"]}
    from luma_gen.strategies import REQUEST_RULES

    for rule in REQUEST_RULES["createGeneration"]:
        row = rows[("createGeneration", rule)]
        assert row["exercised_valid"] >= 1 and row["exercised_near_miss"] >= 1, row
        assert row["rejected"] == row["near_miss_sent"] and row["accepted"] == row["valid_sent"], row
    assert rows[("getGeneration", "(any)")]["accepted"] >= 1
    assert f"0 mismatches; {len(REQUEST_RULES['createGeneration'])} of {len(REQUEST_RULES['createGeneration'])} rules exercised both ways" in out


def test_a_server_that_accepts_everything_is_caught(broken_server: str, tmp_path: Path) -> None:
    rules = ("video-loop-not-with-hdr", "image-ref-exactly-one-source", "edit-keyframe-indexes-length")
    report_file = tmp_path / "report.json"
    args = ["--base-url", broken_server, "--auth-token", "x", "--examples", EXAMPLES, "--seed", "3", "--operation", "createGeneration", "--report", str(report_file)]
    code, out, err = run(*args, *[a for r in rules for a in ("--rule", r)])
    assert code == 1, out + err
    report = json.loads(report_file.read_text())
    assert not report["ok"]
    assert sorted(m["rule"] for m in report["mismatches"]) == sorted(rules)
    for m in report["mismatches"]:
        assert m["kind"] == "near-miss" and m["status"] == 201 and m["expected"] == "4xx"
        assert m["description"].startswith(f"violates {m['rule']} at /")
        assert f"MISMATCH createGeneration: near miss of {m['rule']}: a near miss was answered 201" in out
    assert out.count("minimal body: ") == len(rules)
    # the totals per operation (issue 12): one line for the one operation, its rows summed
    [total] = report["operations"]
    assert total["operation"] == "createGeneration" and total["rules"] == len(rules) and total["mismatches"] == len(rules)
    for key in ("valid_sent", "near_miss_sent", "accepted", "rejected", "other"):
        assert total[key] == sum(r[key] for r in report["rows"]), key
    assert total["near_miss_sent"] > 0 and "per operation" in out
    line = next(l for l in out.split("per operation", 1)[1].splitlines() if "createGeneration" in l)
    assert [c.strip() for c in line.split("│")[1:-1]][:2] == ["createGeneration", str(len(rules))]
    from luma_gen import validate_request

    for m in report["mismatches"]:
        assert m["rule"] in {v.rule for v in validate_request("createGeneration", m["body"])}
    # shrunk within the budget: the small ones keep nothing the rule does not need
    shrunk = {m["rule"]: m["body"] for m in report["mismatches"]}
    assert shrunk["image-ref-exactly-one-source"] == {"prompt": "0", "image_ref": [{}]}
    assert shrunk["video-loop-not-with-hdr"] == {"prompt": "0", "type": "video", "video": {"hdr": True, "loop": True}}


def test_valid_requests_answered_wrongly_are_mismatches(broken_server: str) -> None:
    class Teapot(_AcceptEverything):
        def do_POST(self) -> None:  # noqa: N802
            self._answer(418)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Teapot)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        code, out, _ = run("--base-url", f"http://127.0.0.1:{server.server_address[1]}/v1", "--auth-token", "x", "--examples", "2", "--seed", "1", "--rule", "model-fits-video-types")
    finally:
        server.shutdown()
        server.server_close()
    assert code == 1
    assert "valid request: a valid body was answered 418 (expected 2xx)" in out


def test_only_loopback_hosts_unless_allowed() -> None:
    code, _, err = run("--base-url", "https://agents.lumalabs.ai/v1")
    assert code == 2 and "not a loopback host" in err and "--allow-remote" in err
    fuzz.check_host("https://agents.lumalabs.ai/v1", allow_remote=True)
    for ok in ("http://127.0.0.1:8080/v1", "http://localhost/v1", "http://[::1]:9/v1", "http://127.9.9.9/"):
        fuzz.check_host(ok, allow_remote=False)
    with pytest.raises(fuzz.FuzzError, match="not an http"):
        fuzz.check_host("ftp://127.0.0.1/", allow_remote=False)


def test_unknown_names_and_unreachable_servers_exit_2() -> None:
    code, _, err = run("--base-url", "http://127.0.0.1:9/v1", "--operation", "createGeneratoin")
    assert code == 2 and "is not an operationId" in err
    code, _, err = run("--base-url", "http://127.0.0.1:9/v1", "--rule", "no-such-rule")
    assert code == 2 and "is not a rule" in err
    code, _, err = run("--base-url", "http://127.0.0.1:9/v1", "--auth-token", "t", "--examples", "1", "--rule", "model-fits-video-types")
    assert code == 2 and "ConnectError" in err


def test_no_auth_token_is_a_usage_error_and_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    class Counting(_AcceptEverything):
        def do_POST(self) -> None:  # noqa: N802
            seen.append(self.path)
            self._answer(201)

    monkeypatch.delenv("LUMA_AGENTS_API_KEY", raising=False)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        code, out, err = run("--base-url", f"http://127.0.0.1:{server.server_address[1]}/v1", "--examples", "1", "--rule", "model-fits-video-types")
    finally:
        server.shutdown()
        server.server_close()
    assert code == 2 and "no auth token" in err and "--auth-token" in err and "LUMA_AGENTS_API_KEY" in err
    assert seen == [] and "mismatch" not in out


def test_the_report_prints_outside_text_as_it_is() -> None:
    from rich.console import Console

    report = fuzz.Report(base_url="http://127.0.0.1:9/[v1]", seed=1, examples=1, rows=[fuzz.Row("op", "r", mismatches=1)])
    report.mismatches.append(fuzz.Mismatch("op", "r", "valid", "2xx", 400, "answered 400: [bold]no[/bold] \x1b[2J", {"a": 1}, description="was [x], became [y]"))
    console = Console(width=300, record=True, color_system=None)
    fuzz.print_report(report, console)
    text = console.export_text()
    assert "http://127.0.0.1:9/[v1]" in text and "answered 400: [bold]no[/bold] \\x1b[2J" in text and "was [x], became [y]" in text


def test_a_base_url_without_the_servers_path_is_named_in_the_404_mismatch(emulator, emulator_token: str) -> None:
    code, out, _ = run("--base-url", emulator.root, "--auth-token", emulator_token, "--examples", "1", "--seed", "1",
                       "--operation", "createGeneration", "--rule", "model-fits-video-types", "--shrink-budget", "0")
    assert code == 1 and "answered 404 (the base URL lacks /v1" in " ".join(out.split())


def test_a_token_the_server_refuses_stops_the_run(emulator_url: str) -> None:
    code, out, err = run("--base-url", emulator_url, "--auth-token", "My Auth Token!", "--examples", "2", "--seed", "1", "--rule", "model-fits-video-types")
    assert code == 2 and "refused the auth token (401" in err and "--auth-token" in err and "MISMATCH" not in out
    code, _, err = run("--base-url", emulator_url, "--auth-token", "a\tb", "--examples", "1")
    assert code == 2 and "'\\t'" in err


class _RateLimited(_AcceptEverything):
    """Answers the first requests 429 with ``Retry-After: 0``, more than any fixed number of
    retries, then like :class:`_AcceptEverything` (valid bodies 201 and near misses too)."""

    left = [0]

    def do_POST(self) -> None:  # noqa: N802
        if self.left[0] > 0:
            self.left[0] -= 1
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            body = b'{"error": {"type": "rate_limited", "message": "slow down"}}'
            self.send_response(429)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self._answer(201)


def test_429_is_waited_out_not_counted_and_progress_is_shown_per_step(tmp_path: Path) -> None:
    """A rate-limited server (as the emulator started with its default limit): every 429 is
    waited out and sent again, none is a mismatch; stderr shows a line per step and per wait."""
    _RateLimited.left = [12]
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RateLimited)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    report_file = tmp_path / "report.json"
    try:
        code, out, err = run("--base-url", f"http://127.0.0.1:{server.server_address[1]}/v1", "--auth-token", "x", "--examples", "2", "--seed", "1",
                             "--operation", "createGeneration", "--rule", "model-fits-video-types", "--report", str(report_file))
    finally:
        server.shutdown()
        server.server_close()
    report = json.loads(report_file.read_text())
    assert report["throttled"]["waits"] == 12, report
    valid = [m for m in report["mismatches"] if m["kind"] == "valid"]
    assert valid == [] and all(m["status"] != 429 for m in report["mismatches"]), report["mismatches"]
    rows = {(r["operation"], r["rule"]): r for r in report["rows"]}
    assert rows[("createGeneration", "(any)")]["accepted"] == rows[("createGeneration", "(any)")]["valid_sent"] > 0
    assert err.count("fuzz: 429 rate limited: waiting 0 s (Retry-After)") == 12, err
    assert "fuzz: createGeneration (any) (valid done): " in err
    assert "fuzz: createGeneration model-fits-video-types (near-miss done): " in err
    assert "rate limited: waited out 12 429 answers" in out
