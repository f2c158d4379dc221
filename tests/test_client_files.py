"""The generated client's Files methods against the emulator over loopback (issue 12): the
presigned flow, ``files.wait`` (the second kind of job, through the same wait mechanism as
generations) and its failure error, keyset pages, soft delete and ``file_id`` references."""

from __future__ import annotations

import httpx
import pytest
from luma_gen import Client, errors


@pytest.fixture()
def client(emulator_url: str, emulator_token: str) -> Client:
    return Client(auth_token=emulator_token, base_url=emulator_url)


def _upload(client: Client, data: bytes, **extra: str) -> str:
    made = client.files.create(mime_type="image/png", size_bytes=len(data), **extra)
    assert made.upload is not None and made.file.state == "pending"
    httpx.put(made.upload.url, content=data, headers=made.upload.headers).raise_for_status()
    assert client.files.complete(made.id).state == "pending"
    return made.id


def test_wait_until_ready_then_reference_by_file_id(client: Client) -> None:
    fid = _upload(client, b"\x89PNG\r\n\x1a\n", filename="k.png")
    states: list[str] = []
    ready = client.files.wait(fid, poll_interval=0.05, timeout=10, on_update=lambda f: states.append(f.state))
    assert ready.state == "ready" and ready.id == fid and states[-1] == "ready"
    generation = client.generations.create_and_wait(prompt="p", image_ref=[{"file_id": fid}], poll_interval=0.05, wait_timeout=10)
    assert generation.state == "completed"


def test_a_failed_file_raises_its_failure_error(client: Client) -> None:
    fid = _upload(client, b"abc", filename="[[fail:too dark]].png")
    with pytest.raises(errors.FileFailedError) as info:
        client.files.wait(fid, poll_interval=0.05, timeout=10)
    assert info.value.job_id == fid and "too dark" in str(info.value)
    client.files.delete(fid)
    assert client.files.get(fid).state == "deleted"


def test_pages_and_limits(client: Client) -> None:
    ids = [_upload(client, b"x" * (i + 1)) for i in range(5)]
    seen: list[str] = []
    page = client.files.list(limit=2)
    while True:
        seen += [f.id for f in page.data]
        if not page.has_more:
            break
        page = client.files.list(limit=2, cursor=page.next_cursor)
    assert seen == ids[::-1]
    with pytest.raises(errors.RequestValidationError):
        client.files.list(limit=101)
