"""The emulator under faults (issue 7, part 3): auth failures and secrets kept out of logs,
isolation of callers down to the output files, the 413 body limit and the 429 rate limit as the
generated client sees them. Durability is in ``test_durability.py``, load in ``test_load.py``."""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fixtures_emulator import RunningEmulator, running_emulator
from luma_emulator import EmulatorConfig, ManualClock
from luma_emulator.__main__ import main as cli_main
from luma_emulator.config import CREATE_STATUS, MAX_BODY
from luma_emulator.signing import sign_path
from luma_gen import AsyncClient, Client, errors, validate_schema

HTTP = httpx.Client(timeout=30)


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of a caller."""
    return {"Authorization": f"Bearer {token}"}


def error_of(resp: httpx.Response, status: int) -> dict[str, Any]:
    """``error`` of a response that must have ``status`` and the spec's Error body."""
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert validate_schema("Error", body) == [], body
    assert "\n" not in body["error"]["message"]
    return body["error"]


# --------------------------------------------------------------------------- auth
AUTH_CASES = [
    (None, "missing Authorization header"),
    ("", "scheme must be Bearer"),
    ("Bearer", "token is empty"),
    ("bearer", "token is empty"),
    ("Bearer sk-x y", "malformed"),
    ("Bearer s\u00e9cret", "malformed"),
    ("Bearer ==abc", "malformed"),
    ("Basic dXNlcjpwYXNz", "scheme must be Bearer"),
    ("Token sk-abc", "scheme must be Bearer"),
    ("sk-abc", "scheme must be Bearer"),
]


@pytest.mark.parametrize("header,says", AUTH_CASES)
def test_each_auth_failure_is_401_with_a_clear_body(emulator: RunningEmulator, header: str | None, says: str) -> None:
    headers = {} if header is None else {"Authorization": header.encode("utf-8")}
    for resp in (
        HTTP.post(f"{emulator.url}/generations", json={"prompt": "p"}, headers=headers),
        HTTP.get(f"{emulator.url}/generations/{uuid.uuid4()}", headers=headers),
    ):
        error = error_of(resp, 401)
        assert error["type"] == "unauthorized" and says in error["message"]
        challenge = resp.headers["www-authenticate"]
        assert challenge.startswith('Bearer realm="luma-emulator"')
        assert ('error="invalid_token"' in challenge) == (header is not None)


def test_only_the_configured_api_keys_are_accepted() -> None:
    with running_emulator(api_keys=frozenset({"key-one", "key-two"})) as emu:
        for key in ("key-one", "key-two"):
            assert HTTP.post(f"{emu.url}/generations", json={"prompt": "p"}, headers=bearer(key)).status_code == CREATE_STATUS
        resp = HTTP.post(f"{emu.url}/generations", json={"prompt": "p"}, headers=bearer("key-three"))
        error = error_of(resp, 401)
        assert "not a known API key" in error["message"] and "key-three" not in resp.text
    assert "key-one" not in repr(EmulatorConfig(api_keys=frozenset({"key-one"})))


def test_cli_refuses_a_malformed_api_key(capsys: pytest.CaptureFixture[str]) -> None:
    for bad in ("tab\tk3y", " k3y-lead", "k3y-trail ", "", "caf\u00e9-k3y"):
        assert cli_main(["--db", ":memory:", "--api-key", bad]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "--api-key must be printable ASCII" in err
        assert not bad.strip() or bad.strip() not in err
    assert cli_main(["--db", ":memory:", "--max-body", "0"]) == 2


def test_a_named_key_with_spaces_is_accepted_and_only_that_one() -> None:
    """The official SDK's test suite authenticates as ``Bearer My Auth Token``: named with
    ``--api-key``, such a key is accepted; an unnamed token with spaces stays malformed."""
    with running_emulator(api_keys=frozenset({"My Auth Token"})) as emu:
        assert HTTP.post(f"{emu.url}/generations", json={"prompt": "p"}, headers=bearer("My Auth Token")).status_code == CREATE_STATUS
        for other in ("My Auth", "My  Auth Token", "Other Auth Token"):
            error = error_of(HTTP.post(f"{emu.url}/generations", json={"prompt": "p"}, headers=bearer(other)), 401)
            assert "malformed" in error["message"]
    with running_emulator() as emu:
        error = error_of(HTTP.post(f"{emu.url}/generations", json={"prompt": "p"}, headers=bearer("My Auth Token")), 401)
        assert "malformed" in error["message"]


def test_the_api_answers_at_the_root_only_when_asked() -> None:
    """``--at-root`` (the official SDK's suite has no /v1 in its base URL); without it a base
    URL missing /v1 gets 404 as from the real API."""
    with running_emulator() as emu:
        assert HTTP.post(f"{emu.root}/generations", json={"prompt": "p"}, headers=bearer("t")).status_code == 404
    with running_emulator(at_root=True) as emu:
        created = HTTP.post(f"{emu.root}/generations", json={"prompt": "p"}, headers=bearer("t"))
        assert created.status_code == CREATE_STATUS
        generation_id = created.json()["id"]
        for url in (emu.root, emu.url):
            assert HTTP.get(f"{url}/generations/{generation_id}", headers=bearer("t")).json()["id"] == generation_id


def test_tokens_are_never_logged_nor_stored(tmp_path: Path) -> None:
    """At the most verbose log level, through successes, every auth failure, a forced 500 and a
    429, no token (nor any header value) reaches the output or the database file."""
    good, unknown, basic = f"good{uuid.uuid4().hex}", f"unknown{uuid.uuid4().hex}", f"basic{uuid.uuid4().hex}"
    malformed = f"mal formed{uuid.uuid4().hex}"
    db = tmp_path / "jobs.db"
    cmd = [sys.executable, "-m", "luma_emulator", "--port", "0", "--db", str(db), "--complete-after", "0",
           "--rate-limit", "6", "--api-key", good, "--log-level", "debug"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.search(r"serving (http://127\.0\.0\.1:\d+/v1) ", first)
        assert match, first
        url = match.group(1)
        gen = HTTP.post(f"{url}/generations", json={"prompt": "p"}, headers=bearer(good)).json()
        assert HTTP.get(f"{url}/generations/{gen['id']}", headers=bearer(good)).status_code == 200
        assert HTTP.post(f"{url}/generations", json={"prompt": "[[http:500]]"}, headers=bearer(good)).status_code == 500
        for header in (f"Bearer {unknown}", f"Basic {basic}", f"Bearer {malformed}"):
            assert HTTP.get(f"{url}/generations/{gen['id']}", headers={"Authorization": header}).status_code == 401
        statuses = [HTTP.get(f"{url}/generations/{gen['id']}", headers=bearer(good)).status_code for _ in range(5)]
        assert 429 in statuses
    finally:
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=15)
    output = first + rest
    assert proc.returncode == 0 and "GET /v1/generations" in output  # the access log is on
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    for secret in (good, unknown, basic, malformed, malformed.split()[1]):
        assert secret not in output
        assert secret.encode() not in stored


# --------------------------------------------------------------------------- isolation
@pytest.fixture(scope="module")
def manual() -> Iterator[tuple[RunningEmulator, ManualClock]]:
    """An emulator on a clock that moves only when told (jobs complete after 2 s)."""
    clock = ManualClock()
    with running_emulator(clock=clock, complete_after=2.0) as running:
        yield running, clock


def _completed(emu: RunningEmulator, clock: ManualClock, token: str, **body: Any) -> dict[str, Any]:
    gen = HTTP.post(f"{emu.url}/generations", json={"prompt": "p", **body}, headers=bearer(token)).json()
    clock.advance(2.0)
    gen = HTTP.get(f"{emu.url}/generations/{gen['id']}", headers=bearer(token)).json()
    assert gen["state"] == "completed", gen
    return gen


def test_a_caller_cannot_obtain_or_forge_the_output_urls_of_another(manual: tuple[RunningEmulator, ManualClock]) -> None:
    """Output URLs are presigned: a bearer capability, like the real API's (S3-style) URLs.
    Whoever holds one may download until it expires, with or without a token. So isolation
    rests on never handing B a URL of A's: B's GET of A's id is 404 (as for an id that does
    not exist, so ids do not leak), B's chaining from it is 404, and B cannot make a URL for
    A's output from B's own signed URLs (403)."""
    emu, clock = manual
    alice, bob = f"alice-{uuid.uuid4().hex}", f"bob-{uuid.uuid4().hex}"
    mine = _completed(emu, clock, alice)
    theirs = _completed(emu, clock, bob)
    url = mine["output"][0]["url"]

    unknown = HTTP.get(f"{emu.url}/generations/{uuid.uuid4()}", headers=bearer(bob))
    for resp in (
        HTTP.get(f"{emu.url}/generations/{mine['id']}", headers=bearer(bob)),
        HTTP.post(f"{emu.url}/generations", json={"prompt": "p", "type": "image_edit", "source": {"generation_id": mine["id"]}}, headers=bearer(bob)),
    ):
        error = error_of(resp, 404)
        assert error["type"] == "not_found" and "/outputs/" not in resp.text
    assert error_of(unknown, 404)["type"] == "not_found"  # the same answer as for no such id

    # B's own URL is fine; moved onto A's id, or A's path with B's signature: 403
    bob_url = urlparse(theirs["output"][0]["url"])
    bob_query = parse_qs(bob_url.query)
    assert HTTP.get(theirs["output"][0]["url"]).status_code == 200
    forged = [
        f"{emu.root}{bob_url.path.replace(theirs['id'], mine['id'])}?{bob_url.query}",
        f"{emu.root}{urlparse(url).path}?expires={bob_query['expires'][0]}&sig={bob_query['sig'][0]}",
        f"{emu.root}{urlparse(url).path}",
    ]
    for bad in forged:
        assert error_of(HTTP.get(bad, headers=bearer(bob)), 403)["type"] == "forbidden"

    # the URL itself is the capability: no token needed, any token ignored, until it expires
    assert HTTP.get(url).status_code == 200
    assert HTTP.get(url, headers=bearer(bob)).status_code == 200
    clock.advance(emu.config.url_ttl + 1)
    assert "expired" in error_of(HTTP.get(url), 403)["message"]


def test_output_urls_name_no_caller(manual: tuple[RunningEmulator, ManualClock]) -> None:
    emu, clock = manual
    token = f"carol-{uuid.uuid4().hex}"
    url = _completed(emu, clock, token)["output"][0]["url"]
    caller = emu.app.state.emulator.store.get_any(urlparse(url).path.split("/")[2]).caller
    assert token not in url and caller not in url


def test_a_signature_for_another_generation_never_opens_this_one(manual: tuple[RunningEmulator, ManualClock]) -> None:
    emu, clock = manual
    a = _completed(emu, clock, f"a-{uuid.uuid4().hex}")
    secret = emu.app.state.emulator.store.secret
    signed_for_other = sign_path(secret, f"{uuid.uuid4()}/0.png", clock(), 60)
    query = urlparse(signed_for_other).query
    assert HTTP.get(f"{emu.root}/outputs/{a['id']}/0.png?{query}").status_code == 403


# --------------------------------------------------------------------------- 413
def test_the_default_body_limit_is_ten_mib() -> None:
    assert EmulatorConfig().max_body == MAX_BODY == 10 * 1024 * 1024


@pytest.fixture(scope="module")
def small_body() -> Iterator[RunningEmulator]:
    """An emulator accepting bodies up to 64 KiB."""
    with running_emulator(max_body=64 * 1024) as running:
        yield running


def test_a_body_over_the_limit_is_413_however_it_is_sent(small_body: RunningEmulator) -> None:
    url, headers = f"{small_body.url}/generations", {**bearer("big"), "Content-Type": "application/json"}
    big = b'{"prompt": "' + b"x" * (4 * 1024 * 1024) + b'"}'  # far past the socket buffers

    def chunked() -> Iterator[bytes]:
        for i in range(0, len(big), 65536):
            yield big[i : i + 65536]

    for resp in (HTTP.post(url, content=big, headers=headers), HTTP.post(url, content=chunked(), headers=headers)):
        error = error_of(resp, 413)
        assert error["type"] == "payload_too_large" and str(64 * 1024) in error["message"]
    # the connection is still usable, and a body of exactly the limit is read (then judged)
    at_limit = b'{"prompt": "' + b"x" * (64 * 1024 - 14) + b'"}'
    assert len(at_limit) == 64 * 1024
    assert error_of(HTTP.post(url, content=at_limit, headers=headers), 400)["violations"][0]["path"] == "/prompt"


def test_the_generated_client_surfaces_413_as_an_api_status_error(small_body: RunningEmulator) -> None:
    sent: list[httpx.Request] = []
    http = httpx.Client(event_hooks={"request": [sent.append]})
    image = {"data": "A" * (100 * 1024), "media_type": "image/png"}  # valid, just big
    with Client(auth_token="big", base_url=small_body.url, http_client=http, max_retries=2) as client:
        with pytest.raises(errors.APIStatusError) as info:
            client.generations.create(prompt="p", image_ref=[image])
    assert info.value.status_code == 413 and len(sent) == 1  # not retried: it cannot succeed
    assert info.value.body["error"]["type"] == "payload_too_large"
    assert "413" in str(info.value) and "larger than the limit" in str(info.value)


# --------------------------------------------------------------------------- 429
def test_the_generated_client_honours_retry_after(caplog: pytest.LogCaptureFixture) -> None:
    """Real emulator, real clock: 2 requests a second. The third waits Retry-After (1 s, not
    the 0.5 s backoff of the first retry) and then succeeds."""
    with running_emulator(rate_limit=2, rate_window=1.0) as emu:
        with Client(auth_token=f"rl-{uuid.uuid4().hex}", base_url=emu.url, max_retries=2) as client:
            gen = client.generations.create(prompt="p")
            client.generations.get(gen.id)
            with caplog.at_level(logging.INFO, logger="luma_gen"):
                start = time.monotonic()
                again = client.generations.get(gen.id)
                waited = time.monotonic() - start
            assert again.id == gen.id
            assert 0.95 <= waited < 3.0
            assert any("waiting 1.0 s before retry 1" in r.getMessage() and "Retry-After" in r.getMessage() for r in caplog.records), caplog.text
            client.generations.get(gen.id)
            with pytest.raises(errors.RateLimitError) as info:
                client.generations.get(gen.id, max_retries=0)
            assert info.value.status_code == 429 and info.value.retry_after == 1.0
            assert info.value.body["error"]["type"] == "rate_limited"


def test_the_async_client_honours_retry_after() -> None:
    async def run(url: str) -> float:
        async with AsyncClient(auth_token=f"rl-{uuid.uuid4().hex}", base_url=url, max_retries=1) as client:
            for _ in range(2):
                await client.generations.create(prompt="p")
            start = time.monotonic()
            await client.generations.create(prompt="p")
            return time.monotonic() - start

    with running_emulator(rate_limit=2, rate_window=1.0) as emu:
        assert 0.95 <= asyncio.run(run(emu.url)) < 3.0


def test_unknown_ids_answer_as_a_stateless_mock_only_when_asked() -> None:
    """``--mock-unknown-ids``: an id nobody created reads as a completed generation under that
    id, the same on every read and with downloadable outputs; another caller's id stays 404."""
    unknown = str(uuid.uuid4())
    with running_emulator() as emu:
        assert HTTP.get(f"{emu.url}/generations/{unknown}", headers=bearer("t")).status_code == 404
    with running_emulator(mock_unknown_ids=True) as emu:
        first = HTTP.get(f"{emu.url}/generations/{unknown}", headers=bearer("t"))
        assert first.status_code == 200
        generation = first.json()
        assert generation["id"] == unknown and generation["state"] == "completed"
        assert HTTP.get(f"{emu.url}/generations/{unknown}", headers=bearer("t")).json() == generation
        assert HTTP.get(generation["output"][0]["url"]).status_code == 200
        owned = HTTP.post(f"{emu.url}/generations", json={"prompt": "p"}, headers=bearer("owner")).json()["id"]
        error_of(HTTP.get(f"{emu.url}/generations/{owned}", headers=bearer("someone-else")), 404)
        error_of(HTTP.get(f"{emu.url}/generations/{unknown}", headers=bearer("someone-else")), 404)
