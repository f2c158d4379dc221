"""The generated client against the real emulator over loopback (sync and async); retries and
timeouts with an httpx mock transport."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import httpx
import luma_gen
import pytest
from luma_gen import AsyncClient, Client, errors

PROMPT = "A glass of iced coffee on a marble countertop, morning light streaming through a window"
UUID = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"


@pytest.fixture
def client(emulator_url: str, emulator_token: str) -> Client:
    with Client(auth_token=emulator_token, base_url=emulator_url) as c:
        yield c


def test_create_wait_download_round_trip(client: Client, tmp_path: Path) -> None:
    seen: list[str] = []
    done = client.generations.create_and_wait(prompt=PROMPT, output_format="jpeg", poll_interval=0.05, on_update=lambda g: seen.append(g.state))
    assert done.state == "completed" and seen[0] == "queued" and seen[-1] == "completed"
    paths = client.generations.download(done, tmp_path)
    assert len(paths) == 1 and paths[0].suffix in (".jpg", ".jpeg")
    assert paths[0].read_bytes()[:3] == b"\xff\xd8\xff"


def test_get_returns_the_model_and_accepts_a_uuid(client: Client) -> None:
    created = client.generations.create(prompt=PROMPT)
    again = client.generations.get(created.id)
    assert again.id == created.id and again.type == "image"


def test_invalid_request_sends_nothing_and_names_the_rule(emulator_url: str) -> None:
    calls: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: calls.append(request) or httpx.Response(500))
    c = Client(auth_token="t", base_url=emulator_url, http_client=httpx.Client(transport=transport))
    with pytest.raises(errors.RequestValidationError) as info:
        c.generations.create(prompt=PROMPT, type="video", video={"duration": "10s", "loop": True, "exr_export": True})
    assert {v.rule for v in info.value.violations} == {"video-loop-not-with-10s", "video-exr-export-requires-hdr"}
    assert "nothing was sent" in str(info.value)
    with pytest.raises(errors.RequestValidationError):
        c.generations.get("not-a-uuid")
    assert calls == []


def test_validate_false_sends_and_the_server_answers_400_with_every_violation(client: Client) -> None:
    with pytest.raises(errors.BadRequestError) as info:
        client.generations.create(prompt=PROMPT, type="video", video={"loop": True, "duration": "10s"}, validate=False)
    assert info.value.status_code == 400
    rules = {v["rule"] for v in info.value.body["error"]["violations"]}
    assert "video-loop-not-with-10s" in rules


def test_status_errors_carry_status_and_body(client: Client, emulator_url: str) -> None:
    with pytest.raises(errors.NotFoundError) as info:
        client.generations.get(UUID)
    assert info.value.status_code == 404 and info.value.body["error"]["type"]
    with pytest.raises(errors.AuthenticationError):
        Client(auth_token="not-a-known-token!", base_url=emulator_url).generations.get(UUID)
    with pytest.raises(errors.MissingAuthTokenError):
        Client(auth_token=" ", base_url=emulator_url)


def test_failed_job_raises_with_failure_code(client: Client) -> None:
    from luma_emulator.markers import marker_for

    created = client.generations.create(prompt=f"{PROMPT} {marker_for('content_moderated')}")
    with pytest.raises(errors.GenerationFailedError) as info:
        client.generations.wait(created.id, poll_interval=0.05, timeout=10)
    assert info.value.failure_code == "content_moderated"
    assert info.value.failure_reason


def test_wait_timeout(emulator_url: str, emulator_token: str) -> None:
    from fixtures_emulator import running_emulator

    with running_emulator(complete_after=60) as emu:
        c = Client(auth_token=emulator_token, base_url=emu.url)
        created = c.generations.create(prompt=PROMPT)
        with pytest.raises(errors.WaitTimeoutError) as info:
            c.generations.wait(created.id, poll_interval=0.05, timeout=0.2)
        assert info.value.state in ("queued", "processing")


def test_async_client_round_trip(emulator_url: str, emulator_token: str, tmp_path: Path) -> None:
    async def main() -> None:
        async with AsyncClient(auth_token=emulator_token, base_url=emulator_url) as c:
            done = await c.generations.create_and_wait(prompt=PROMPT, poll_interval=0.05)
            assert done.state == "completed"
            paths = await c.generations.download(done.id, tmp_path)
            assert paths[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            with pytest.raises(errors.RequestValidationError):
                await c.generations.create(prompt="")

    asyncio.run(main())


def test_token_and_base_url_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LUMA_AGENTS_API_KEY", raising=False)
    monkeypatch.delenv("LUMA_BASE_URL", raising=False)
    with pytest.raises(errors.MissingAuthTokenError, match="LUMA_AGENTS_API_KEY"):
        Client()
    monkeypatch.setenv("LUMA_AGENTS_API_KEY", "sk-secret-123")
    c = Client()
    assert c.base_url == "https://agents.lumalabs.ai/v1"
    assert c.max_retries == 2 and c.timeout == 60
    monkeypatch.setenv("LUMA_BASE_URL", "http://127.0.0.1:9/v1/")
    assert Client().base_url == "http://127.0.0.1:9/v1"
    assert "sk-secret-123" not in repr(c) and "sk-secret-123" not in str(vars(c.generations))


def _mock_client(responses: list, **kwargs) -> tuple[Client, list[httpx.Request]]:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        item = responses[min(len(calls) - 1, len(responses) - 1)]
        if isinstance(item, Exception):
            raise item
        return item

    http = httpx.Client(transport=httpx.MockTransport(handler))
    return Client(auth_token="sk-secret-123", base_url="http://api.test/v1", http_client=http, **kwargs), calls


GEN = {"id": UUID, "created_at": "2026-01-01T00:00:00Z", "model": "uni-1", "state": "queued", "type": "image"}


def test_retries_honour_retry_after_then_succeed(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr("luma_gen._client_base.time.sleep", sleeps.append)
    c, calls = _mock_client([
        httpx.Response(429, headers={"Retry-After": "3"}, json={"error": {"type": "rate_limited", "message": "slow down"}}),
        httpx.Response(503, json={"error": {"type": "internal", "message": "busy"}}),
        httpx.Response(201, json=GEN),
    ])
    assert c.generations.create(prompt=PROMPT).state == "queued"
    assert len(calls) == 3 and sleeps[0] == 3.0 and 0.3 <= sleeps[1] <= 1.0
    assert calls[0].headers["authorization"] == "Bearer sk-secret-123"


def test_retries_stop_after_max_retries_and_raise_the_status_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("luma_gen._client_base.time.sleep", lambda s: None)
    c, calls = _mock_client([httpx.Response(500, json={"error": {"type": "internal", "message": "boom"}})], max_retries=1)
    with pytest.raises(errors.InternalServerError) as info:
        c.generations.create(prompt=PROMPT)
    assert len(calls) == 2 and info.value.status_code == 500 and "boom" in str(info.value)
    c, calls = _mock_client([httpx.Response(400, json={"error": {"type": "invalid_request", "message": "no"}})])
    with pytest.raises(errors.BadRequestError):
        c.generations.create(prompt=PROMPT, max_retries=5)
    assert len(calls) == 1


def test_connection_errors_and_timeouts_are_retried_then_raised(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr("luma_gen._client_base.time.sleep", lambda s: None)
    caplog.set_level(logging.DEBUG)
    c, calls = _mock_client([httpx.ConnectError("refused")])
    with pytest.raises(errors.APIConnectionError, match="cannot reach http://api.test"):
        c.generations.get(UUID)
    assert len(calls) == 3
    c, calls = _mock_client([httpx.ReadTimeout("slow"), httpx.Response(200, json=GEN)])
    assert c.generations.get(UUID, timeout=0.5).id
    c, calls = _mock_client([httpx.ReadTimeout("slow")])
    with pytest.raises(errors.APITimeoutError):
        c.generations.get(UUID, max_retries=0)
    assert "sk-secret-123" not in caplog.text


def test_a_response_that_breaks_the_schema_is_reported() -> None:
    c, _ = _mock_client([httpx.Response(200, json={"id": UUID})])
    with pytest.raises(errors.APIResponseValidationError, match="does not match the spec"):
        c.generations.get(UUID)


def test_unknown_response_fields_are_kept() -> None:
    c, _ = _mock_client([httpx.Response(200, json={**GEN, "new_field": 1})])
    assert c.generations.get(UUID).model_extra == {"new_field": 1}


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
@pytest.mark.parametrize("validate", [True, False])
def test_non_finite_numbers_are_one_violation_and_nothing_is_sent(bad: float, validate: bool) -> None:
    c, calls = _mock_client([httpx.Response(201, json=GEN)])
    video = {"source_position": {"x_norm": bad, "y_norm": 0.0, "w_norm": 1.0, "h_norm": 1.0}}
    with pytest.raises(errors.RequestValidationError) as info:
        c.generations.create(prompt=PROMPT, type="video_reframe", source={"url": "https://e.com/a.mp4", "media_type": "video/mp4"}, video=video, validate=validate)
    assert info.value.violations[0][:2] == ("/video/source_position/x_norm", "json.number")
    assert {v.rule for v in info.value.violations} <= {"json.number", "SourcePosition.x_norm.type", "SourcePosition.x_norm.maximum", "SourcePosition.x_norm.minimum"}
    assert "nothing was sent" in str(info.value) and calls == []


def test_validate_request_reports_non_finite_numbers_anywhere() -> None:
    body = {"prompt": "x", "type": "video_reframe", "source": {"url": "https://e.com/a.mp4", "media_type": "video/mp4"},
            "video": {"source_position": {"x_norm": float("nan"), "y_norm": 0.0, "w_norm": 1.0, "h_norm": float("inf")}}}
    found = luma_gen.validate_request("createGeneration", body)
    assert [(v.path, v.rule) for v in found if v.rule == "json.number"] == [("/video/source_position/x_norm", "json.number"), ("/video/source_position/h_norm", "json.number")]
    assert {v.rule for v in found} <= {"json.number", "SourcePosition.h_norm.maximum"}  # infinity is above a maximum too
    body["video"]["source_position"].update(x_norm=0.0, h_norm=1.0)
    assert luma_gen.validate_request("createGeneration", body) == []


def test_violations_that_follow_from_a_wrong_kind_of_value_are_not_shown_to_people() -> None:
    from luma_gen._runtime import primary

    found = luma_gen.validate_request("createGeneration", {"prompt": "x", "image_ref": [[{"url": "https://e.com/a.png"}]]})
    assert {v.rule for v in found} == {"ImageRef.type", "image-ref-exactly-one-source"}  # JSON Schema's verdict, in full
    assert [(v.path, v.rule) for v in primary(found)] == [("/image_ref/0", "ImageRef.type")]
    body = {"prompt": "x", "type": "video_reframe", "source": {"url": "https://e.com/a.mp4", "media_type": "video/mp4"},
            "video": {"source_position": {"x_norm": 0.0, "y_norm": 0.0, "w_norm": 1.0, "h_norm": float("inf")}}}
    found = luma_gen.validate_request("createGeneration", body)
    assert len(found) == 2 and [(v.path, v.rule) for v in primary(found)] == [("/video/source_position/h_norm", "json.number")]


def test_every_violation_of_a_400_is_on_the_exception(client: Client) -> None:
    with pytest.raises(errors.BadRequestError) as info:
        client.generations.create(prompt=PROMPT, type="video", video={"loop": True, "duration": "10s", "exr_export": True}, validate=False)
    rules = {v.rule for v in info.value.violations}
    assert {"video-loop-not-with-10s", "video-exr-export-requires-hdr"} <= rules
    assert all(isinstance(v, luma_gen.Violation) and v.path.startswith("/video") for v in info.value.violations)
    assert all(v.rule in str(info.value) for v in info.value.violations)
    assert errors.violations_of({"error": {"violations": [{"path": "/a", "rule": "r", "message": "m"}, "junk"]}}) == [luma_gen.Violation("/a", "r", "m")]
    assert errors.violations_of("text") == [] and errors.violations_of({"error": {"violations": 3}}) == []


def test_a_token_with_spaces_is_sent_as_given_and_one_a_header_cannot_carry_is_refused() -> None:
    calls: list[httpx.Request] = []
    http = httpx.Client(transport=httpx.MockTransport(lambda request: calls.append(request) or httpx.Response(200, json=GEN)))
    Client(auth_token="My Auth Token\n", base_url="http://api.test/v1", http_client=http).generations.get(UUID)
    assert calls[0].headers["authorization"] == "Bearer My Auth Token"
    for bad, shown in (("My\tToken", "'\\t'"), ("tok\x1b[2Jen", "'\\x1b'"), ("tökén", "'ö'")):
        with pytest.raises(errors.InvalidAuthTokenError) as info:
            Client(auth_token=bad, base_url="http://api.test/v1")
        assert shown in str(info.value) and "no auth token" not in str(info.value)
        assert isinstance(info.value, errors.MissingAuthTokenError)


def test_a_404_with_a_base_url_missing_the_prefix_says_so() -> None:
    not_found = httpx.Response(404, json={"error": {"type": "not_found", "message": "Not Found"}})
    for base, hinted in (("http://api.test", True), ("http://api.test/v1", False), ("http://api.test/v1/", False)):
        http = httpx.Client(transport=httpx.MockTransport(lambda request: not_found))
        with pytest.raises(errors.NotFoundError) as info:
            Client(auth_token="t", base_url=base, http_client=http).generations.get(UUID)
        assert ("lacks /v1" in str(info.value)) is hinted, str(info.value)
        assert str(info.value).startswith("404: Not Found")


def test_each_retry_is_logged_with_its_wait_and_why(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr("luma_gen._client_base.time.sleep", lambda s: None)
    caplog.set_level(logging.INFO, logger="luma_gen")
    c, _ = _mock_client([httpx.Response(429, headers={"Retry-After": "3"}, json={"error": {"message": "slow down"}}), httpx.Response(201, json=GEN)])
    c.generations.create(prompt=PROMPT)
    [record] = [r for r in caplog.records if r.levelno == logging.INFO]
    assert "waiting 3.0 s before retry 1 of 2" in record.getMessage()
    assert "429 Too Many Requests" in record.getMessage() and "Retry-After" in record.getMessage()


def test_seconds_and_retries_must_be_finite_and_not_negative(client: Client) -> None:
    for bad in (float("nan"), float("inf"), -1, 0):
        with pytest.raises(ValueError, match="timeout must be a finite number of seconds"):
            Client(auth_token="t", timeout=bad)
        with pytest.raises(ValueError, match="poll_interval must be"):
            client.generations.wait(UUID, poll_interval=bad)
    with pytest.raises(ValueError, match="max_retries must be an integer >= 0"):
        Client(auth_token="t", max_retries=-1)
    with pytest.raises(ValueError, match="timeout must be"):
        client.generations.wait(UUID, timeout=float("nan"))
