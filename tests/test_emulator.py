"""The emulator over loopback: auth, validation, isolation, lifecycle, outputs, markers, rate
limit, restart, and the official SDK. Every API response is checked against the spec with
``luma_gen.validate_response`` (2xx) or ``validate_schema("Error", ...)`` (errors)."""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlparse

import av
import httpx
import pytest
import yaml
from fixtures_emulator import RunningEmulator, running_emulator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from luma_emulator import API_PREFIX, ManualClock
from luma_emulator.__main__ import main as cli_main
from luma_emulator.config import CREATE_STATUS, FAILURE_CODES
from luma_emulator.markers import marker_for
from luma_emulator.serve import bind
from luma_gen import validate_request, validate_response, validate_schema
from luma_gen.rules import RULES
from PIL import Image

SPEC = yaml.safe_load((Path(__file__).resolve().parent.parent / "spec" / "generations.yaml").read_text())
CREATE, GET = "createGeneration", "getGeneration"
VIDEO_TYPES = ("video", "video_edit", "video_reframe")


# --------------------------------------------------------------------------- helpers
def checked(resp: httpx.Response, op: str) -> dict[str, Any]:
    """The JSON body of an API response, after checking it against the spec."""
    body = resp.json()
    assert resp.headers["content-type"].startswith("application/json")
    if resp.is_success:
        assert validate_response(op, body) == [], body
    else:
        assert validate_schema("Error", body) == [], body
        assert "\n" not in body["error"]["message"]
    return body


#: one client for the whole module (making an httpx.Client costs ~35 ms: it loads CA certs)
HTTP = httpx.Client(timeout=10)


class _Caller:
    """``HTTP`` bound to one emulator's base URL and one bearer token."""

    def __init__(self, base: str, token: str):
        self.base, self.headers = base, {"Authorization": f"Bearer {token}"}

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return HTTP.request(method, self.base + path, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)


class Api:
    """A caller of one emulator: ``create(**body)``, ``get(id)``, ``wait(id)``."""

    def __init__(self, base: str, token: str | None = None):
        self.token = token or f"t-{uuid.uuid4().hex}"
        self.http = _Caller(base, self.token)

    def post(self, body: Any) -> httpx.Response:
        return self.http.post("/generations", json=body)

    def create(self, status: int = CREATE_STATUS, **body: Any) -> dict[str, Any]:
        resp = self.post(body)
        assert resp.status_code == status, resp.text
        return checked(resp, CREATE)

    def get(self, gid: str, status: int = 200) -> dict[str, Any]:
        resp = self.http.get(f"/generations/{gid}")
        assert resp.status_code == status, resp.text
        return checked(resp, GET)

    def wait(self, gid: str, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            gen = self.get(gid)
            if gen["state"] in ("completed", "failed"):
                return gen
            assert time.monotonic() < deadline, gen
            time.sleep(0.05)


@pytest.fixture
def api(emulator: RunningEmulator) -> Api:
    return Api(emulator.url)


@pytest.fixture(scope="module")
def manual() -> Iterator[tuple[RunningEmulator, ManualClock]]:
    """An emulator on a clock that moves only when told (jobs complete after 2 s)."""
    clock = ManualClock()
    with running_emulator(clock=clock, complete_after=2.0) as running:
        yield running, clock


def completed(api: Api, clock: ManualClock, **body: Any) -> dict[str, Any]:
    """A completed generation made on the manual clock."""
    gen = api.create(**body)
    clock.advance(2.0)
    gen = api.get(gen["id"])
    assert gen["state"] == "completed"
    return gen


# --------------------------------------------------------------------------- the spec
def test_server_path_and_statuses_follow_the_spec() -> None:
    assert urlparse(SPEC["servers"][0]["url"]).path == API_PREFIX
    create = SPEC["paths"]["/generations"]["post"]["responses"]
    get = SPEC["paths"]["/generations/{generation_id}"]["get"]["responses"]
    # the first success status the spec declares (201; it lists 200 too)
    assert CREATE_STATUS == int(next(s for s in create if s.startswith("2")))
    for responses in (create, get):
        assert {"400", "401", "404", "429", "500"} <= set(responses)
    assert "Retry-After" in SPEC["components"]["responses"]["RateLimited"]["headers"]
    assert list(FAILURE_CODES) == SPEC["components"]["schemas"]["GenerationFailureCode"]["enum"]


# --------------------------------------------------------------------------- auth
BAD_AUTH = [None, "", "Bearer", "Basic dXNlcjpwYXNz", "Token abc", "Bearer a b", "Bearer ä", "abc"]


@pytest.mark.parametrize("header", BAD_AUTH)
def test_bad_authorization_is_401(emulator: RunningEmulator, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header.encode("utf-8")}
    gid = str(uuid.uuid4())
    for resp in (
        HTTP.post(f"{emulator.url}/generations", json={"prompt": "p"}, headers=headers),
        HTTP.get(f"{emulator.url}/generations/{gid}", headers=headers),
    ):
        assert resp.status_code == 401
        assert checked(resp, CREATE)["error"]["type"] == "unauthorized"
        assert resp.headers["www-authenticate"].startswith("Bearer")
        if header and len(header) > 8:
            assert header.split(" ", 1)[-1] not in resp.text  # the token is never echoed


def test_bearer_scheme_is_case_insensitive(emulator: RunningEmulator) -> None:
    resp = HTTP.post(f"{emulator.url}/generations", json={"prompt": "p"}, headers={"Authorization": "bearer k-1"})
    assert resp.status_code == CREATE_STATUS


# --------------------------------------------------------------------------- validation
CREATE_INVALID = sorted(
    (rule.id, i, example)
    for rule in RULES.values()
    if rule.schema == "GenerationCreateParams"
    for i, example in enumerate(rule.invalid_examples)
)


@pytest.mark.parametrize("rule_id,i,body", CREATE_INVALID, ids=[f"{r}-{i}" for r, i, _ in CREATE_INVALID])
def test_rule_examples_give_400_with_every_violation(api: Api, rule_id: str, i: int, body: dict) -> None:
    resp = api.post(body)
    assert resp.status_code == 400
    error = checked(resp, CREATE)["error"]
    assert error["type"] == "invalid_request"
    assert error["violations"] == [v.as_dict() for v in validate_request(CREATE, body)]
    assert rule_id in {v["rule"] for v in error["violations"]}


def test_several_violations_are_all_reported(api: Api) -> None:
    body = {"prompt": "", "type": "video", "model": "uni-1", "colour": "red", "video": {"loop": True, "duration": "10s", "hdr": True}}
    resp = api.post(body)
    violations = checked(resp, CREATE)["error"]["violations"]
    expected = [v.as_dict() for v in validate_request(CREATE, body)]
    assert resp.status_code == 400 and violations == expected and len(expected) >= 5


@pytest.mark.parametrize(
    "raw",
    [b"", b"  ", b"{", b'{"prompt": "p",}', b"nan", b'{"prompt": NaN}', b'{"prompt": "p", "x": Infinity}',
     b'{"prompt": 1e999}', b"\xff\xfe{}", b"[" * 100_000, b"1" * 5000, b'{"prompt": "\\ud800"'],
)
def test_malformed_json_is_400(api: Api, raw: bytes) -> None:
    resp = api.http.post("/generations", content=raw, headers={"Content-Type": "application/json"})
    assert resp.status_code == 400
    error = checked(resp, CREATE)["error"]
    assert error["type"] == "invalid_request" and error["violations"]


@pytest.mark.parametrize("value", [None, [], "prompt", 3, True, {"prompt": None}])
def test_json_that_is_no_create_body_is_400(api: Api, value: Any) -> None:
    resp = api.http.post("/generations", content=json.dumps(value))
    assert resp.status_code == 400
    assert checked(resp, CREATE)["error"]["violations"] == [v.as_dict() for v in validate_request(CREATE, value)]


def test_body_over_the_limit_is_413() -> None:
    with running_emulator(max_body=1000) as emu:
        resp = Api(emu.url).post({"prompt": "x" * 2000})
        assert resp.status_code == 413 and "larger than" in checked(resp, CREATE)["error"]["message"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["prompt", "type", "model", "video", "source", "x"]), inner, max_size=4),
    max_leaves=10,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=JSON)
def test_any_json_gets_the_validators_verdict(emulator: RunningEmulator, body: Any) -> None:
    resp = Api(emulator.url, token="fuzz").http.post("/generations", content=json.dumps(body))
    expected = [v.as_dict() for v in validate_request(CREATE, body)]
    if expected:
        assert resp.status_code == 400 and checked(resp, CREATE)["error"]["violations"] == expected
    else:
        assert resp.status_code in (CREATE_STATUS, 400, 404), resp.text
        checked(resp, CREATE)


# --------------------------------------------------------------------------- routes and ids
def test_get_with_a_bad_uuid_is_400(api: Api) -> None:
    for bad in ("nope", "123", "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26", "182bd5e5x6e1a-4fe4-a799-aa6d9a6ab26e"):
        error = api.get(bad, status=400)["error"]
        assert error["violations"][0]["path"] == "/generation_id"


def test_unknown_id_is_404_and_ids_ignore_case(api: Api) -> None:
    assert api.get(str(uuid.uuid4()), status=404)["error"]["type"] == "not_found"
    gen = api.create(prompt="p")
    assert api.get(gen["id"].upper())["id"] == gen["id"]


def test_unknown_route_404_and_wrong_method_405(api: Api, emulator: RunningEmulator) -> None:
    for path in ("/nope", "/generations/a/b", "/../x"):
        resp = api.http.get(path)
        assert resp.status_code == 404 and checked(resp, CREATE)["error"]["type"] == "not_found"
    assert HTTP.get(emulator.root + "/").status_code == 404
    for method, path in (("GET", "/generations"), ("DELETE", f"/generations/{uuid.uuid4()}"), ("PUT", "/generations")):
        resp = api.http.request(method, path)
        assert resp.status_code == 405 and "allow" in resp.headers
        assert checked(resp, CREATE)["error"]["type"] == "method_not_allowed"


# --------------------------------------------------------------------------- lifecycle and outputs
def test_create_answers_queued_with_the_default_model(manual: tuple[RunningEmulator, ManualClock]) -> None:
    emu, clock = manual
    api = Api(emu.url)
    gen = api.create(prompt="p")
    assert (gen["state"], gen["type"], gen["model"], gen["output"]) == ("queued", "image", "uni-1", None)
    assert api.create(prompt="p", type="video")["model"] == "ray-3.2"
    assert api.create(prompt="p", model="uni-1-max")["model"] == "uni-1-max"
    clock.advance(0.6)
    assert api.get(gen["id"])["state"] == "processing"
    clock.advance(1.4)
    done = api.get(gen["id"])
    assert done["state"] == "completed" and done["output"][0]["type"] == "image"
    assert done["created_at"] == gen["created_at"] and done["created_at"].endswith("Z")


@pytest.mark.parametrize(
    "body,content_type,check",
    [
        ({"prompt": "p"}, "image/png", lambda data: data.startswith(b"\x89PNG\r\n\x1a\n")),
        ({"prompt": "p", "output_format": "png", "aspect_ratio": "9:16"}, "image/png", lambda data: data.startswith(b"\x89PNG")),
        ({"prompt": "p", "output_format": "jpeg"}, "image/jpeg", lambda data: data.startswith(b"\xff\xd8\xff")),
        ({"prompt": "p", "type": "video"}, "video/mp4", lambda data: data[4:8] == b"ftyp"),
    ],
)
def test_completed_jobs_have_real_files(api: Api, body: dict, content_type: str, check: Any) -> None:
    gen = api.wait(api.create(**body)["id"])
    assert gen["state"] == "completed" and len(gen["output"]) == 1
    resp = HTTP.get(gen["output"][0]["url"])
    assert resp.status_code == 200 and resp.headers["content-type"] == content_type
    assert check(resp.content)
    if content_type.startswith("image/"):
        image = Image.open(io.BytesIO(resp.content))
        image.load()
        assert image.format == {"image/png": "PNG", "image/jpeg": "JPEG"}[content_type]
        if body.get("aspect_ratio") == "9:16":
            assert image.height > image.width


def test_videos_are_valid_mp4_of_the_requested_duration(manual: tuple[RunningEmulator, ManualClock]) -> None:
    emu, clock = manual
    api = Api(emu.url)
    for duration, seconds in (("5s", 5), ("10s", 10)):
        gen = completed(api, clock, prompt="p", type="video", aspect_ratio="9:16", video={"duration": duration})
        assert gen["output"][0]["type"] == "video"
        data = HTTP.get(gen["output"][0]["url"]).content
        with av.open(io.BytesIO(data)) as container:
            stream = container.streams.video[0]
            assert stream.codec_context.name in ("h264", "mpeg4")
            assert stream.height > stream.width
            assert abs(container.duration / 1e6 - seconds) < 0.1
            assert sum(1 for _ in container.decode(stream)) == 24 * seconds


def test_output_urls_expire_and_refuse_tampering(manual: tuple[RunningEmulator, ManualClock]) -> None:
    emu, clock = manual
    api = Api(emu.url)
    gen = completed(api, clock, prompt="p")
    other = completed(api, clock, prompt="q", output_format="jpeg")
    url = gen["output"][0]["url"]
    assert HTTP.get(url).status_code == 200
    parsed = urlparse(url)
    query = dict(p.split("=", 1) for p in parsed.query.split("&"))
    base = f"{emu.root}{parsed.path}"
    tampered = [
        f"{base}?expires={query['expires']}&sig={'0' * 64}",
        f"{base}?expires={int(query['expires']) + 1}&sig={query['sig']}",
        f"{base}?sig={query['sig']}",
        base,
        url.replace(gen["id"], other["id"]),
        url.replace("/0.png", "/1.png"),
        f"{base}?expires=%D9%A3&sig={query['sig']}",
        f"{base}?expires={query['expires']}&sig=%C3%A4",
    ]
    for bad in tampered:
        resp = HTTP.get(bad)
        assert resp.status_code == 403, bad
        assert validate_schema("Error", resp.json()) == []
    clock.advance(3601)
    resp = HTTP.get(url)
    assert resp.status_code == 403 and "expired" in resp.json()["error"]["message"]
    fresh = api.get(gen["id"])["output"][0]["url"]
    assert fresh != url and HTTP.get(fresh).status_code == 200


def test_output_of_a_job_not_completed_is_404(manual: tuple[RunningEmulator, ManualClock]) -> None:
    emu, clock = manual
    api = Api(emu.url)
    gen = completed(api, clock, prompt="p")
    path = urlparse(gen["output"][0]["url"]).path
    # a correctly signed URL for an output that does not exist (wrong extension)
    from luma_emulator.signing import sign_path

    secret = emu.app.state.emulator.store.secret
    for name in (f"{gen['id']}/0.jpg", f"{uuid.uuid4()}/0.png", f"{gen['id']}/x.png"):
        resp = HTTP.get(emu.root + sign_path(secret, name, clock(), 60))
        assert resp.status_code == 404, name
    assert path.endswith("/0.png")


# --------------------------------------------------------------------------- isolation and chaining
def test_callers_see_only_their_own_generations(manual: tuple[RunningEmulator, ManualClock]) -> None:
    emu, clock = manual
    alice, bob = Api(emu.url), Api(emu.url)
    image = completed(alice, clock, prompt="p")
    video = completed(alice, clock, prompt="p", type="video")
    assert bob.get(image["id"], status=404)["error"]["type"] == "not_found"
    for body in (
        {"prompt": "p", "type": "image_edit", "source": {"generation_id": image["id"]}},
        {"prompt": "p", "type": "video_edit", "source": {"generation_id": video["id"]}},
        {"prompt": "p", "image_ref": [{"generation_id": image["id"]}]},
        {"prompt": "p", "type": "video", "video": {"start_frame": {"generation_id": video["id"]}}},
    ):
        error = bob.create(status=404, **body)["error"]
        assert error["type"] == "not_found"
        assert alice.create(**body)["state"] == "queued"


CHAINS = [
    ({"type": "image_edit", "source": {"generation_id": "{image}"}}, True),
    ({"type": "image_edit", "source": {"generation_id": "{video}"}}, False),
    ({"type": "video_edit", "source": {"generation_id": "{video}"}}, True),
    ({"type": "video_edit", "source": {"generation_id": "{image}"}}, False),
    ({"type": "video_reframe", "source": {"generation_id": "{video}"}}, True),
    ({"type": "video_reframe", "source": {"generation_id": "{image}"}}, False),
    ({"type": "video", "video": {"start_frame": {"generation_id": "{video}"}}}, True),
    ({"type": "video", "video": {"end_frame": {"generation_id": "{image}"}}}, False),
    ({"type": "video", "video": {"keyframes": [{"generation_id": "{image}"}], "keyframe_indexes": [0]}}, True),
    ({"type": "video", "video": {"keyframes": [{"generation_id": "{video}"}], "keyframe_indexes": [0]}}, False),
    ({"image_ref": [{"url": "https://e.com/a.png"}, {"generation_id": "{video}"}]}, False),
]


@pytest.mark.parametrize("body,ok", CHAINS)
def test_references_must_fit_the_kind(manual: tuple[RunningEmulator, ManualClock], body: dict, ok: bool) -> None:
    emu, clock = manual
    api = Api(emu.url)
    ids = {"image": completed(api, clock, prompt="p")["id"], "video": completed(api, clock, prompt="p", type="video")["id"]}
    filled = json.loads(json.dumps(body).replace('"{image}"', json.dumps(ids["image"])).replace('"{video}"', json.dumps(ids["video"])))
    if ok:
        api.create(prompt="p", **filled)
    else:
        violations = api.create(status=400, prompt="p", **filled)["error"]["violations"]
        assert [v["rule"] for v in violations] == ["generation-id-kind"]
        assert violations[0]["path"].endswith("/generation_id")


def test_references_must_be_completed(manual: tuple[RunningEmulator, ManualClock]) -> None:
    emu, clock = manual
    api = Api(emu.url)
    pending = api.create(prompt="p [[hold:processing]]")
    failed = api.create(prompt="p [[fail:generation_failed]]")
    clock.advance(5)
    for gid in (pending["id"], failed["id"]):
        error = api.create(status=400, prompt="p", type="image_edit", source={"generation_id": gid})["error"]
        assert error["violations"][0]["rule"] == "generation-id-completed"


# --------------------------------------------------------------------------- markers
@pytest.mark.parametrize("code", FAILURE_CODES)
def test_fail_marker_reaches_every_failure_code(manual: tuple[RunningEmulator, ManualClock], code: str) -> None:
    emu, clock = manual
    api = Api(emu.url)
    gen = api.create(prompt=f"a cat {marker_for(code)}")
    assert gen["state"] == "queued" and gen["failure_code"] is None
    clock.advance(2.0)
    gen = api.get(gen["id"])
    assert (gen["state"], gen["failure_code"], gen["output"]) == ("failed", code, None)
    assert code in gen["failure_reason"]


def test_fail_marker_on_the_real_clock(api: Api) -> None:
    gen = api.wait(api.create(prompt="[[fail:content_moderated]] p", type="video")["id"])
    assert (gen["state"], gen["failure_code"]) == ("failed", "content_moderated")


def test_marker_for_refuses_unknown_codes() -> None:
    with pytest.raises(ValueError, match="unknown failure code"):
        marker_for("nope")


def test_hold_and_delay_markers(manual: tuple[RunningEmulator, ManualClock]) -> None:
    emu, clock = manual
    api = Api(emu.url)
    queued = api.create(prompt="[[hold:queued]]")
    processing = api.create(prompt="[[hold:processing]]")
    slow = api.create(prompt="[[delay:100]]")
    instant = api.create(prompt="[[delay:0]]")
    assert instant["state"] == "completed"
    clock.advance(50)
    assert [api.get(g["id"])["state"] for g in (queued, processing, slow)] == ["queued", "processing", "processing"]
    clock.advance(50)
    assert [api.get(g["id"])["state"] for g in (queued, processing, slow)] == ["queued", "processing", "completed"]


def test_http_marker_forces_create_errors(api: Api) -> None:
    prompt = f"p {uuid.uuid4()} [[http:500x2]]"
    for _ in range(2):
        resp = api.post({"prompt": prompt})
        assert resp.status_code == 500 and checked(resp, CREATE)["error"]["type"] == "internal"
    assert api.post({"prompt": prompt}).status_code == CREATE_STATUS
    for _ in range(2):
        resp = api.post({"prompt": "[[http:429]]"})
        assert resp.status_code == 429 and resp.headers["retry-after"] == "1"
        assert checked(resp, CREATE)["error"]["type"] == "rate_limited"


def test_poll_marker_forces_get_errors(api: Api) -> None:
    gen = api.create(prompt="p [[poll:429x1]]")
    resp = api.http.get(f"/generations/{gen['id']}")
    assert resp.status_code == 429 and int(resp.headers["retry-after"]) >= 0
    checked(resp, GET)
    api.get(gen["id"])
    always = api.create(prompt="p [[poll:500]]")
    for _ in range(3):
        assert api.http.get(f"/generations/{always['id']}").status_code == 500


@pytest.mark.parametrize(
    "prompt",
    ["[[fail:nope]]", "[[hold:completed]]", "[[delay:-1]]", "[[delay:x]]", "[[http:404]]", "[[poll:500xN]]",
     "[[fail:generation_failed]] [[fail:rate_limited]]", "[[fail:generation_failed]][[hold:queued]]"],
)
def test_bad_markers_are_400(api: Api, prompt: str) -> None:
    error = api.create(status=400, prompt=prompt)["error"]
    assert {v["rule"] for v in error["violations"]} == {"emulator-marker"}
    assert all(v["path"] == "/prompt" for v in error["violations"])


def test_marker_violations_join_the_spec_violations(api: Api) -> None:
    rules = {v["rule"] for v in api.create(status=400, prompt="[[fail:x]]", model="ray-3.2")["error"]["violations"]}
    assert rules == {"emulator-marker", "model-fits-image-types"}


def test_unknown_bracket_words_are_plain_text(api: Api) -> None:
    assert api.create(prompt="a [[sign:hello]] board")["state"] == "queued"


# --------------------------------------------------------------------------- rate limit
def test_rate_limit_gives_429_with_retry_after() -> None:
    clock = ManualClock()
    with running_emulator(clock=clock, rate_limit=3, rate_window=10) as emu:
        alice, bob = Api(emu.url), Api(emu.url)
        gen = alice.create(prompt="p")
        alice.get(gen["id"])
        clock.advance(4)
        alice.get(gen["id"])
        resp = alice.post({"prompt": "p"})
        assert resp.status_code == 429 and resp.headers["retry-after"] == "6"
        assert checked(resp, CREATE)["error"]["type"] == "rate_limited"
        resp = alice.http.get(f"/generations/{gen['id']}")
        assert resp.status_code == 429
        checked(resp, GET)
        bob.create(prompt="p")  # another caller is not limited
        clock.advance(6)
        alice.get(gen["id"])  # the first request has left the window


# --------------------------------------------------------------------------- restart
def test_jobs_and_urls_survive_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "jobs.db")
    clock = ManualClock()
    with running_emulator(clock=clock, db=db, complete_after=2.0) as first:
        api = Api(first.url, token="restart-token")
        done = completed(api, clock, prompt="p", output_format="jpeg")
        pending = api.create(prompt="p", type="video")
        old_url = urlparse(done["output"][0]["url"])
    with running_emulator(clock=clock, db=db, complete_after=30.0) as second:
        api = Api(second.url, token="restart-token")
        assert api.get(done["id"])["state"] == "completed"
        assert api.get(pending["id"])["state"] == "queued"
        clock.advance(2.0)  # the job keeps the clock it was created with
        assert api.get(pending["id"])["state"] == "completed"
        resp = HTTP.get(f"{second.root}{old_url.path}?{old_url.query}")
        assert resp.status_code == 200 and resp.content.startswith(b"\xff\xd8")
        Api(second.url).get(done["id"], status=404)


# --------------------------------------------------------------------------- command line
def test_cli_refuses_bad_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["--complete-after", "-1", "--db", ":memory:"]) == 2
    assert cli_main(["--db", str(tmp_path / "no" / "such" / "dir.db")]) == 2
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    assert cli_main(["--db", str(tmp_path / "junk.db")]) == 2
    taken = bind("127.0.0.1", 0)
    try:
        assert cli_main(["--db", ":memory:", "--port", str(taken.getsockname()[1])]) == 2
    finally:
        taken.close()
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 4 and all(line.startswith("luma-emulator: error: ") for line in lines)


def test_the_command_serves(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    cmd = [sys.executable, "-m", "luma_emulator", "--port", "0", "--db", str(db), "--complete-after", "0", "--log-level", "warning"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        match = re.search(r"serving (http://127\.0\.0\.1:\d+/v1) ", line)
        assert match, line
        gen = Api(match.group(1), token="cli-secret-token").create(prompt="p")
        assert gen["state"] == "completed" and HTTP.get(gen["output"][0]["url"]).status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Traceback" not in rest and "cli-secret-token" not in line + rest
    assert db.exists()


# --------------------------------------------------------------------------- the official SDK
def test_official_sdk_runs_unchanged(emulator_url: str, emulator_token: str) -> None:
    luma_agents = pytest.importorskip("luma_agents")
    client = luma_agents.Luma(auth_token=emulator_token, base_url=emulator_url, max_retries=0)
    gen = client.generations.create(prompt="A glass of iced coffee on a marble countertop", output_format="jpeg")
    assert gen.state == "queued" and gen.model == "uni-1"
    deadline = time.monotonic() + 5
    while gen.state not in ("completed", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
        gen = client.generations.get(gen.id)
    assert gen.state == "completed" and gen.output
    resp = HTTP.get(gen.output[0].url)
    assert resp.status_code == 200 and resp.content.startswith(b"\xff\xd8\xff")

    video = client.generations.create(prompt="a paper boat", type="video", video={"duration": "5s", "resolution": "720p"})
    assert video.model == "ray-3.2"
    with pytest.raises(luma_agents.BadRequestError):
        client.generations.create(prompt="p", type="video", video={"loop": True, "duration": "10s"})
    with pytest.raises(luma_agents.NotFoundError):
        client.generations.get(str(uuid.uuid4()))
    with pytest.raises(luma_agents.AuthenticationError):
        luma_agents.Luma(auth_token="other token", base_url=emulator_url).generations.get(gen.id)
    with pytest.raises(luma_agents.InternalServerError):
        client.generations.create(prompt="[[http:500]]")
    failed = client.generations.create(prompt="[[fail:budget_exhausted]] [[delay:0]]")
    assert (failed.state, failed.failure_code) == ("failed", "budget_exhausted")


def test_official_sdk_retries_a_forced_429(emulator_url: str, emulator_token: str) -> None:
    luma_agents = pytest.importorskip("luma_agents")
    client = luma_agents.Luma(auth_token=emulator_token, base_url=emulator_url, max_retries=2)
    gen = client.generations.create(prompt=f"[[http:429x1]] {uuid.uuid4()}")
    assert gen.state == "queued"


def test_a_route_outside_the_prefix_hints_at_the_base_url(emulator) -> None:
    import httpx

    outside = httpx.post(emulator.root + "/generations", json={"prompt": "x"}, headers={"Authorization": "Bearer t"})
    inside = httpx.get(emulator.url + "/nope", headers={"Authorization": "Bearer t"})
    assert outside.status_code == 404 and "does the base URL end in /v1?" in outside.json()["error"]["message"]
    assert inside.status_code == 404 and "base URL" not in inside.json()["error"]["message"]
