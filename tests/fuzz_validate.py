"""Coverage-guided fuzzing of the request path with atheris (optional; not run in CI).

Every input is a request body as bytes. It goes the way ``genspec validate`` takes it: the
strict reader (UTF-8, no NaN/Infinity, no duplicate keys, no lone surrogates, finite numbers)
and then ``validate_request`` of the generated package; each violation is also printed the way
the CLI prints it. Any exception other than the reader's refusal is a finding. A second mode
(``--emulator``) sends the same bytes through the emulator's ASGI app in-process and fails on
any 5xx.

    pip install atheris
    python tests/fuzz_validate.py -atheris_runs=100000            # reader + validate_request
    python tests/fuzz_validate.py --emulator -atheris_runs=20000  # the emulator's POST /generations
    python tests/fuzz_validate.py -max_total_time=600 corpus/     # keep a corpus between runs

Without a corpus folder the run starts from the spec's own request examples (written to a
temporary folder); with one, libFuzzer reads and grows it.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

with atheris.instrument_imports():
    from genspec.cli import _BadInput, read_json
    from luma_gen import validate_request

OPERATION = "createGeneration"


def check_bytes(data: bytes) -> None:
    """One input through the reader and the validators; raises on a finding."""
    try:
        body = read_json(data, "<fuzz>")
    except _BadInput:
        return
    found = validate_request(OPERATION, body)
    if not isinstance(found, list):
        raise AssertionError(f"validate_request returned {type(found).__name__}")
    for v in found:
        f"{v.path or '/'}: {v.message} [{v.rule}]".encode("utf-8", "backslashreplace")
        json.dumps(v.as_dict())


def _emulator_target() -> object:
    """A target posting the bytes to an in-process emulator (memory database, no rate limit)."""
    from luma_emulator import EmulatorConfig, create_app
    from starlette.testclient import TestClient

    client = TestClient(create_app(EmulatorConfig(db=":memory:", complete_after=0.2, rate_limit=0)), raise_server_exceptions=False)
    client.__enter__()
    headers = {"Authorization": "Bearer fuzz", "Content-Type": "application/json"}

    def post(data: bytes) -> None:
        response = client.post("/v1/generations", content=data, headers=headers)
        if response.status_code >= 500 and b"[[" not in data:  # [[http:500]] markers ask for a 500
            raise AssertionError(f"{response.status_code}: {response.text[:300]}")

    return post


def _seeds() -> list[bytes]:
    import yaml

    spec = yaml.safe_load((ROOT / "spec" / "generations.yaml").read_text())
    examples = spec["paths"]["/generations"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    return [json.dumps(e["value"]).encode() for e in examples.values()]


def main() -> None:
    """Parse atheris/libFuzzer options from argv and fuzz until told to stop."""
    args = [a for a in sys.argv if a != "--emulator"]
    target = _emulator_target() if "--emulator" in sys.argv else check_bytes
    seeds = _seeds()
    for seed in seeds:
        target(seed)  # the seeds must pass before fuzzing starts
    if not any(not a.startswith("-") for a in args[1:]):  # no corpus folder given: start from the seeds
        corpus = Path(tempfile.mkdtemp(prefix="fuzz-validate-"))
        for i, seed in enumerate(seeds):
            (corpus / f"seed-{i}.json").write_bytes(seed)
        args.append(str(corpus))
    atheris.Setup(args, target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
