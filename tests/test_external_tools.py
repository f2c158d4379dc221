"""External tools agree with us (issue 7, part 4), the parts that run inside pytest: the
official SDK ``luma-agents`` (pinned in the dev extra) creates, waits to completed and downloads
against the emulator, sync and async. Spectral, schemathesis and openapi-spec-validator run in
``.ci/external``; the last test here keeps its schemathesis hooks in step with the emulator.
"""

from __future__ import annotations

import ast
import asyncio
import io
import time
import uuid
from pathlib import Path
from typing import Any

import av
import httpx
import luma_agents
import pytest
from conftest import ROOT
from fixtures_emulator import running_emulator
from luma_emulator.jobs import RULE_COMPLETED, RULE_KIND
from PIL import Image

WAIT = 10.0


def wait_sync(client: luma_agents.Luma, gen: Any) -> Any:
    """Poll with the SDK until the generation is completed or failed."""
    deadline = time.monotonic() + WAIT
    while gen.state not in ("completed", "failed"):
        assert time.monotonic() < deadline, gen
        time.sleep(0.05)
        gen = client.generations.get(gen.id)
    return gen


def download(url: str, dest: Path) -> Path:
    """Fetch a presigned output URL (no token: the URL is the credential) into ``dest``."""
    resp = httpx.get(url, timeout=30)
    assert resp.status_code == 200, resp.text
    dest.write_bytes(resp.content)
    return dest


def test_sdk_creates_waits_and_downloads_an_image(emulator_url: str, emulator_token: str, tmp_path: Path) -> None:
    client = luma_agents.Luma(auth_token=emulator_token, base_url=emulator_url, max_retries=0)
    gen = client.generations.create(
        prompt="A glass of iced coffee on a marble countertop, morning light streaming through a window",
        aspect_ratio="4:3",
    )
    assert isinstance(gen, luma_agents.types.Generation) and gen.state == "queued"
    gen = wait_sync(client, gen)
    assert gen.state == "completed" and gen.failure_code is None
    assert [o.type for o in gen.output] == ["image"]
    path = download(gen.output[0].url, tmp_path / "out.png")
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (128, 96)


def test_sdk_creates_waits_and_downloads_a_video(emulator_url: str, emulator_token: str, tmp_path: Path) -> None:
    client = luma_agents.Luma(auth_token=emulator_token, base_url=emulator_url, max_retries=0)
    gen = wait_sync(client, client.generations.create(prompt="a paper boat", type="video", video={"duration": "5s"}))
    assert gen.state == "completed" and gen.model == "ray-3.2" and gen.output[0].type == "video"
    path = download(gen.output[0].url, tmp_path / "out.mp4")
    with av.open(str(path)) as container:
        assert abs(container.duration / 1e6 - 5) < 0.1


def test_async_sdk_creates_waits_downloads_and_sees_failures(emulator_url: str, emulator_token: str) -> None:
    async def run() -> tuple[Any, bytes, Any]:
        client = luma_agents.AsyncLuma(auth_token=emulator_token, base_url=emulator_url, max_retries=0)
        gen = await client.generations.create(prompt="p", output_format="jpeg")
        failing = await client.generations.create(prompt=f"p [[fail:content_moderated]] {uuid.uuid4()}")
        deadline = time.monotonic() + WAIT
        while gen.state != "completed" or failing.state != "failed":
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
            gen, failing = await client.generations.get(gen.id), await client.generations.get(failing.id)
        async with httpx.AsyncClient(timeout=30) as http:
            data = (await http.get(gen.output[0].url)).content
        return gen, data, failing

    gen, data, failing = asyncio.run(run())
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG"
    assert (failing.failure_code, failing.output) == ("content_moderated", None) and failing.failure_reason


def test_sdk_errors_map_to_its_exception_classes(emulator_url: str, emulator_token: str) -> None:
    client = luma_agents.Luma(auth_token=emulator_token, base_url=emulator_url, max_retries=0)
    with pytest.raises(luma_agents.BadRequestError):
        client.generations.create(prompt="p", type="video", video={"loop": True, "duration": "10s"})
    with pytest.raises(luma_agents.NotFoundError):
        client.generations.get(str(uuid.uuid4()))
    with pytest.raises(luma_agents.RateLimitError):
        client.generations.create(prompt="[[http:429]]")
    with running_emulator(max_body=1000) as small:
        big = luma_agents.Luma(auth_token=emulator_token, base_url=small.url, max_retries=0)
        with pytest.raises(luma_agents.APIStatusError) as info:
            big.generations.create(prompt="x" * 2000)
        assert info.value.status_code == 413


def test_schemathesis_hooks_know_the_emulators_state_rules() -> None:
    """``.ci/schemathesis_hooks.py`` (run by schemathesis in its own venv, so not importable
    here) names the emulator's rules on a referenced generation's state; they must match."""
    tree = ast.parse((ROOT / ".ci" / "schemathesis_hooks.py").read_text(encoding="utf-8"))
    found = None
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "STATE_RULES" for t in node.targets):
            call = node.value
            assert isinstance(call, ast.Call)
            found = ast.literal_eval(call.args[0])
    from luma_emulator import files

    assert found == {RULE_COMPLETED, RULE_KIND, files.RULE_READY, files.RULE_KIND, files.RULE_UPLOADED, files.RULE_CURSOR}
