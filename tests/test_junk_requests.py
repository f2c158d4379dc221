"""Issue 7, part 2: junk requests get violations or a clear refusal, never an exception.

* ``validate_request`` takes any JSON value (Hypothesis: arbitrary values, and the spec's own
  request examples with wrong values substituted at random places) and returns a list of
  well-formed violations;
* ``genspec validate`` takes any bytes (Hypothesis, in-process for speed, with the spec loaded
  once) and exits 0, 1 or 2 with no traceback; the listed junk kinds also run through real
  subprocesses, asserting the exit code and the one-line reason;
* the emulator answers any body with 201 or 400 (and any id with 400 or 404), never 500.

An optional, longer coverage-guided run: ``pip install atheris && python
tests/fuzz_validate.py -atheris_runs=100000`` (see that file).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Iterator
from urllib.parse import quote

import httpx
import pytest
import yaml
from click.testing import CliRunner
from genhelp import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from luma_gen import validate_request

OPERATION = "createGeneration"
SPEC = ROOT / "spec" / "generations.yaml"
_DOC = yaml.safe_load(SPEC.read_text())
#: the spec's own request examples: realistic shapes to break
EXAMPLES = [e["value"] for e in _DOC["paths"]["/generations"]["post"]["requestBody"]["content"]["application/json"]["examples"].values()]
#: every property name of the spec, so junk objects reach deep into the validators
FIELDS = sorted({name for schema in _DOC["components"]["schemas"].values() for name in (schema.get("properties") or {})})
TEN_MB = 10 * 1024 * 1024

ODD_TEXT = st.text(st.sampled_from(["\x00", "\ud800", "\udfff", "\u202e", "\ufeff", "é", "🎬", "/", "~", "'", '"', "\\", "\n", "a"]), max_size=8)
SCALARS = (
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=20) | ODD_TEXT
)
KEYS = st.sampled_from(FIELDS) | st.text(max_size=10) | ODD_TEXT
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5), max_leaves=24)


def _places(value: Any, path: tuple = ()) -> Iterator[tuple]:
    """Every path (keys and indexes) inside ``value``, the root excluded."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield path + (key,)
            yield from _places(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield path + (i,)
            yield from _places(item, path + (i,))


def _put(body: Any, path: tuple, value: Any) -> None:
    for step in path[:-1]:
        body = body[step]
    body[path[-1]] = value


@st.composite
def request_shaped(draw: st.DrawFn) -> Any:
    """A request example of the spec with 1-3 values replaced by junk (or junk keys added)."""
    body = copy.deepcopy(draw(st.sampled_from(EXAMPLES)))
    for _ in range(draw(st.integers(1, 3))):
        places = list(_places(body))
        if draw(st.booleans()) and places:
            _put(body, draw(st.sampled_from(places)), draw(JSON))
        else:
            holders = [p for p in places if isinstance(_get(body, p), dict)]
            target = _get(body, draw(st.sampled_from(holders))) if holders and draw(st.booleans()) else body
            if isinstance(target, dict):
                target[draw(KEYS)] = draw(JSON)
    return body


def _get(body: Any, path: tuple) -> Any:
    for step in path:
        body = body[step]
    return body


def _well_formed(found: Any) -> None:
    assert isinstance(found, list)
    for v in found:
        assert isinstance(v.path, str) and (v.path == "" or v.path.startswith("/")), v
        assert isinstance(v.rule, str) and v.rule, v
        assert isinstance(v.message, str) and v.message, v


# ------------------------------------------------------------------ validate_request
@given(JSON)
def test_validate_request_answers_any_json_value(value: Any) -> None:
    found = validate_request(OPERATION, value)
    _well_formed(found)
    if not isinstance(value, dict):
        assert found, "a body that is not an object must be refused"


@given(request_shaped())
def test_validate_request_answers_request_shaped_junk(body: Any) -> None:
    _well_formed(validate_request(OPERATION, body))


def _nest(levels: int, leaf: Any, kind: str) -> Any:
    for _ in range(levels):
        leaf = [leaf] if kind == "list" else {"a": leaf}
    return leaf


@pytest.mark.parametrize("kind", ["list", "object"])
def test_a_hundred_levels_of_nesting_anywhere_gives_violations(kind: str) -> None:
    deep = _nest(100, "x", kind)
    bodies = [deep, {"prompt": deep}, {"prompt": "x", "type": "video", "video": deep}, {"prompt": "x", "image_ref": [deep]},
              {"prompt": "x", "type": "video", "video": {"edit": deep, "keyframes": deep, "keyframe_indexes": deep}}, {"prompt": "x", "extra": deep}]
    for body in bodies:
        found = validate_request(OPERATION, body)
        _well_formed(found)
        assert found


def test_nesting_past_the_recursion_limit_is_a_violation_not_an_exception() -> None:
    found = validate_request(OPERATION, {"prompt": "x", "type": "video", "video": {"edit": {"controls": _nest(50_000, 1, "list")}}})
    _well_formed(found)
    assert found


def test_a_ten_megabyte_prompt_is_refused_by_max_length() -> None:
    found = validate_request(OPERATION, {"prompt": "x" * TEN_MB})
    assert [(v.path, v.rule.rsplit(".", 1)[-1]) for v in found] == [("/prompt", "maxLength")]


def test_a_ten_megabyte_unknown_key_is_reported_quickly_and_briefly() -> None:
    import time

    start = time.monotonic()
    found = validate_request(OPERATION, {"prompt": "x", "k" * TEN_MB: 1})
    assert time.monotonic() - start < 1.0
    assert len(found) == 1 and found[0].path == "/" + "k" * TEN_MB and len(found[0].message) < 200


def test_nan_infinity_and_odd_strings_are_judged_not_raised() -> None:
    nan, inf = float("nan"), float("inf")
    for body in ({"prompt": nan}, {"prompt": "x", "video": {"keyframe_indexes": [nan, inf, -inf]}},
                 {"prompt": "x", "type": "video_reframe", "source": {"url": "https://x"}, "video": {"source_position": {"x_norm": nan, "y_norm": inf, "w_norm": -inf, "h_norm": 1e308}}},
                 {"prompt": "a\x00b\ud800", "\ud800": "\x00", "user_id": "\udfff" * 300}):
        _well_formed(validate_request(OPERATION, body))


# ------------------------------------------------------------------ genspec validate
@pytest.fixture(scope="module")
def validate_cli() -> Iterator[CliRunner]:
    """``genspec validate`` in-process with the spec parsed and compiled once (the command's
    own reading, checking and printing still run on every call)."""
    from genspec.check import check as checker
    from genspec.load import loader
    from genspec.load.errors import Reporter
    from genspec.model import parse

    doc = loader.load(SPEC)
    reporter = Reporter(doc.path, doc.lines)
    built = parse.build(doc, reporter)
    validators = checker.load_validators(*built)
    patch = pytest.MonkeyPatch()
    patch.setattr(loader, "load", lambda spec: doc)
    patch.setattr(parse, "build", lambda d, r: built)
    patch.setattr(checker, "load_validators", lambda api, compiled: validators)
    yield CliRunner()
    patch.undo()


@st.composite
def junk_bytes(draw: st.DrawFn) -> bytes:
    """JSON-ish bytes, broken in one of many ways (or not at all)."""
    value = draw(request_shaped() | JSON)
    raw = json.dumps(value, allow_nan=True).encode()
    how = draw(st.sampled_from(["as is", "insert", "cut", "nest", "duplicate", "binary", "bom"]))
    if how == "insert":
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=4) | st.sampled_from([b"\x00", b"\xff", b"\xed\xa0\x80", b"NaN", b"-Infinity", b"1e400", b"9" * 5000]))  + raw[at:]
    elif how == "cut":
        a = draw(st.integers(0, len(raw)))
        raw = raw[:a] + raw[a + draw(st.integers(1, 8)):]
    elif how == "nest":
        n = draw(st.sampled_from([100, 1000, 100_000]))
        raw = b"[" * n + raw + b"]" * n
    elif how == "duplicate":
        pair = b'"prompt": "x", "prompt": "y"'
        raw = b"{" + pair + (b", " + raw[1:] if raw.startswith(b"{") and raw != b"{}" else b"}")
    elif how == "binary":
        raw = draw(st.binary(max_size=64))
    elif how == "bom":
        raw = b"\xef\xbb\xbf" + raw
    return raw


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=junk_bytes())
def test_genspec_validate_answers_any_bytes(raw: bytes, validate_cli: CliRunner) -> None:
    result = validate_cli.invoke(_genspec_main(), ["validate", "--operation", OPERATION, "-"], input=raw)
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    if result.exit_code == 2:
        assert result.output.startswith("<stdin>"), result.output


def _genspec_main() -> Any:
    from genspec.cli import main

    return main


#: name -> (body, exit code, a substring of the output)
CLI_JUNK: dict[str, tuple[bytes, int, str]] = {
    "invalid-utf8": (b'{"prompt": "caf\xe9"}', 2, "not UTF-8"),
    "raw-nul": (b'{"prompt": "a\x00b"}', 2, "not valid JSON"),
    "escaped-nul": (b'{"prompt": "a\\u0000b"}', 0, "valid createGeneration request"),
    "nul-bytes-only": (b"\x00" * 16, 2, "not valid JSON"),
    "nesting-100": (b'{"prompt": ' + b"[" * 100 + b"]" * 100 + b"}", 1, "/prompt: must be a string"),
    "nesting-100000": (b"[" * 100_000 + b"]" * 100_000, 2, "nests too deeply"),
    "prompt-10mb": (json.dumps({"prompt": "x" * TEN_MB}).encode(), 1, "/prompt: must be at most 6000 characters long"),
    "nan": (b'{"prompt": NaN}', 2, "NaN is not JSON"),
    "infinity": (b'{"prompt": "x", "video": {"keyframe_indexes": [Infinity]}}', 2, "Infinity is not JSON"),
    "overflowing-number": (b'{"prompt": "x", "video": {"keyframe_indexes": [1e400]}}', 2, "out of range"),
    "huge-integer": (b'{"prompt": "x", "video": {"keyframe_indexes": [' + b"9" * 5000 + b"]}}", 2, "not readable JSON"),
    "duplicate-keys": (b'{"prompt": "x", "prompt": "y"}', 2, "duplicate key 'prompt'"),
    "lone-surrogate": (b'{"prompt": "x", "\\ud800": 1}', 2, "lone surrogate"),
    "empty": (b"", 2, "not valid JSON"),
    "wrong-types-everywhere": (b'{"prompt": 1, "type": [], "model": {}, "video": "x", "image_ref": {"a": 1}, "source": []}', 1, "/prompt: must be a string"),
}


#: runs `genspec validate --operation OP FILE` for each FILE, marking where each run starts and ends
VALIDATE_RUNNER = """
import sys
from genspec.cli import main
for path in sys.argv[2:]:
    for stream in (sys.stdout, sys.stderr):
        stream.write("\\n@@@ begin %s\\n" % path)
        stream.flush()
    try:
        main(["validate", "--operation", sys.argv[1], path], prog_name="genspec")
        code = 0
    except SystemExit as exc:
        code = exc.code
    for stream in (sys.stdout, sys.stderr):
        stream.write("\\n@@@ exit %s\\n" % code)
        stream.flush()
"""


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """Every CLI_JUNK body through ``genspec validate`` in real subprocesses (one per core,
    each taking a share): name -> (exit code, stdout + stderr)."""
    work = tmp_path_factory.mktemp("junk")
    for name, (body, _, _) in CLI_JUNK.items():
        (work / f"{name}.json").write_bytes(body)

    def run(names: list[str]) -> dict[str, tuple[int, str]]:
        proc = subprocess.run([sys.executable, "-c", VALIDATE_RUNNER, OPERATION, *(str(work / f"{n}.json") for n in names)],
                              cwd=ROOT, capture_output=True, timeout=600)
        out: dict[str, tuple[int, str]] = {}
        streams = [proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")]
        for name in names:
            texts, code = [], -1
            for stream in streams:
                block = stream.split(f"@@@ begin {work / name}.json\n", 1)[-1].split("\n@@@ exit ", 1)
                texts.append(block[0])
                code = int(block[1].split("\n", 1)[0]) if len(block) > 1 else -1
            out[name] = (code, "".join(texts))
        return out

    workers = max(2, os.cpu_count() or 2)
    names = sorted(CLI_JUNK)
    found: dict[str, tuple[int, str]] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(run, [names[i::workers] for i in range(workers)]):
            found.update(part)
    return found


@pytest.mark.parametrize("name", sorted(CLI_JUNK))
def test_genspec_validate_subprocess_on_junk(name: str, cli_runs: dict[str, tuple[int, str]]) -> None:
    _, code, says = CLI_JUNK[name]
    returncode, out = cli_runs[name]
    assert returncode == code, out[:500]
    assert "Traceback" not in out and "internal error" not in out
    assert says in out, out[:500]


# ------------------------------------------------------------------ the emulator
EMULATOR_JUNK = {name: body for name, (body, _, _) in CLI_JUNK.items() if name != "prompt-10mb"}


def _post(url: str, body: bytes, token: str = "junk-caller") -> httpx.Response:
    with httpx.Client(timeout=60) as client:
        return client.post(f"{url}/generations", content=body, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})


@pytest.mark.parametrize("name", sorted(EMULATOR_JUNK))
def test_the_emulator_answers_junk_bodies_with_400_never_500(name: str, emulator_url: str) -> None:
    response = _post(emulator_url, EMULATOR_JUNK[name])
    expected = 201 if CLI_JUNK[name][1] == 0 else 400
    if name == "duplicate-keys":  # the emulator reads JSON as most servers do: the last value wins
        expected = response.status_code if response.status_code in (201, 400) else 400
    assert response.status_code == expected, response.text[:300]
    body = response.json()
    if expected == 400:
        assert body["error"]["type"] == "invalid_request" and body["error"]["message"]


def test_the_emulator_refuses_a_ten_megabyte_body_clearly(emulator_url: str) -> None:
    response = _post(emulator_url, json.dumps({"prompt": "x" * TEN_MB}).encode())
    assert response.status_code in (400, 413), response.text[:300]
    assert response.json()["error"]["message"]


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], max_examples=40)
@given(raw=junk_bytes())
def test_the_emulator_never_answers_500_to_any_bytes(raw: bytes, emulator_url: str) -> None:
    response = _post(emulator_url, raw)
    # 404: a valid body that references a generation or file this caller does not have
    assert response.status_code in (201, 400, 404, 413), (response.status_code, response.text[:300])
    assert "error" in response.json() or response.status_code == 201
    if response.status_code == 404:
        assert response.json()["error"]["type"] == "not_found"


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30)
@given(ident=st.text(min_size=1, max_size=60) | st.sampled_from(["%00", "%ff", "%ED%A0%80", "a" * 5000, "..", "00000000-0000-0000-0000-000000000000"]))
def test_the_emulator_answers_any_generation_id_with_400_or_404(ident: str, emulator_url: str) -> None:
    path = ident if ident.startswith("%") else quote(ident.encode("utf-8", "surrogatepass"), safe="")
    with httpx.Client(timeout=60) as client:
        response = client.get(f"{emulator_url}/generations/{path}", headers={"Authorization": "Bearer junk-caller"})
    # "." is a dot segment: the client removes it (RFC 3986), so GET reaches the collection
    dot_segment = ident == "." and response.status_code == 405
    assert response.status_code in (400, 404) or dot_segment, (response.status_code, response.text[:300])
