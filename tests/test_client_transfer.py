"""``files.upload`` (declared in ``info.x-genspec.transfers``) against the emulator over loopback
(issue 12): small files inline (multipart), larger ones presigned (create, PUT, complete), the
progress callback, the size check, the PUT retried, sync and async; and ``create_and_wait`` of a
presigned file refusing to wait for bytes that were never sent."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path

import httpx
import pytest
from luma_gen import AsyncClient, Client, errors
from luma_gen.errors import TransferError


class Spy(httpx.Client):
    """An httpx client recording (method, path) of what it sends; ``fail_puts`` first PUTs are
    answered 503 without reaching the server; ``size_skew`` is added to the size a completion
    reports."""

    def __init__(self, fail_puts: int = 0, size_skew: int = 0) -> None:
        super().__init__()
        self.sent: list[tuple[str, str, str]] = []
        self.fail_puts = fail_puts
        self.size_skew = size_skew

    def send(self, request: httpx.Request, **kwargs):  # type: ignore[no-untyped-def,override]
        self.sent.append((request.method, request.url.path, request.headers.get("content-type", "")))
        if request.method == "PUT" and self.fail_puts:
            self.fail_puts -= 1
            return httpx.Response(503, json={"error": {"message": "try again"}}, request=request)
        response = super().send(request, **kwargs)
        if self.size_skew and request.url.path.endswith("/complete"):
            body = response.json()
            body["size_bytes"] += self.size_skew
            return httpx.Response(response.status_code, json=body, request=request)
        return response


def _client(url: str, token: str, spy: Spy) -> Client:
    return Client(auth_token=token, base_url=url, http_client=spy, max_retries=2)


def test_a_small_file_goes_inline_and_waits_until_ready(emulator_url: str, emulator_token: str, png: Path) -> None:
    spy = Spy()
    seen: list[tuple[int, int]] = []
    ready = _client(emulator_url, emulator_token, spy).files.upload(png, purpose="reference", progress=lambda sent, total: seen.append((sent, total)), poll_interval=0.05)
    size = png.stat().st_size
    assert ready.state == "ready" and ready.size_bytes == size and ready.filename == "frame.png" and ready.purpose == "reference"
    assert ready.mime_type == "image/png"  # guessed from the name, sent as the part's Content-Type
    assert spy.sent[0][:2] == ("POST", "/v1/files") and spy.sent[0][2].startswith("multipart/form-data")
    assert not any(method == "PUT" for method, _, _ in spy.sent)
    assert seen[0] == (0, size) and seen[-1] == (size, size)


def test_a_larger_file_goes_presigned_with_progress(emulator_url: str, emulator_token: str, png: Path) -> None:
    spy = Spy()
    seen: list[tuple[int, int]] = []
    client = _client(emulator_url, emulator_token, spy)
    ready = client.files.upload(png, inline_max=0, progress=lambda sent, total: seen.append((sent, total)), poll_interval=0.05)
    size = png.stat().st_size
    assert ready.state == "ready" and ready.size_bytes == size
    methods = [(m, p.rsplit("/", 1)[-1] if m != "POST" or p.endswith("complete") else p) for m, p, _ in spy.sent]
    assert methods[:3] == [("POST", "/v1/files"), ("PUT", ready.id), ("POST", "complete")]
    assert spy.sent[0][2] == "application/json"
    assert seen[0] == (0, size) and seen[-1] == (size, size) and all(a <= b for (a, _), (b, _) in zip(seen, seen[1:]))
    # the bytes the server kept are the file's
    assert client.files.get(ready.id).size_bytes == size


def test_the_put_is_retried_from_the_first_byte(emulator_url: str, emulator_token: str, png: Path) -> None:
    spy = Spy(fail_puts=2)
    ready = _client(emulator_url, emulator_token, spy).files.upload(png, inline_max=0, poll_interval=0.05)
    assert ready.state == "ready" and ready.size_bytes == png.stat().st_size
    assert [m for m, _, _ in spy.sent].count("PUT") == 3


def test_out_of_retries_the_put_raises_its_status_error(emulator_url: str, emulator_token: str, png: Path) -> None:
    spy = Spy(fail_puts=5)
    with pytest.raises(errors.InternalServerError):
        _client(emulator_url, emulator_token, spy).files.upload(png, inline_max=0)
    assert [m for m, _, _ in spy.sent].count("PUT") == 3  # one try and max_retries=2


def test_a_size_the_server_recorded_differently_is_an_error(emulator_url: str, emulator_token: str, png: Path) -> None:
    with pytest.raises(TransferError, match="bytes were sent"):
        _client(emulator_url, emulator_token, Spy(size_skew=1)).files.upload(png, inline_max=0, wait=False)


def test_without_wait_a_file_object_is_sent_and_left_pending(emulator_url: str, emulator_token: str) -> None:
    client = Client(auth_token=emulator_token, base_url=emulator_url)
    pending = client.files.upload(io.BytesIO(b"\x89PNG\r\n\x1a\n"), mime_type="image/png", filename="[[fail:too small]].png", wait=False)
    assert pending.state == "pending" and pending.size_bytes == 8
    with pytest.raises(errors.FileFailedError, match="too small"):
        client.files.wait(pending.id, poll_interval=0.05, timeout=10)


def test_a_bad_field_is_refused_before_anything_is_sent(emulator_url: str, emulator_token: str, png: Path) -> None:
    spy = Spy()
    with pytest.raises(errors.RequestValidationError):
        _client(emulator_url, emulator_token, spy).files.upload(png, purpose="nonsense")  # type: ignore[arg-type]
    with pytest.raises(errors.RequestValidationError):
        _client(emulator_url, emulator_token, spy).files.upload(png, purpose="nonsense", inline_max=0)  # type: ignore[arg-type]
    assert spy.sent == []


def test_create_and_wait_of_a_presigned_file_says_to_send_the_bytes_first(emulator_url: str, emulator_token: str) -> None:
    client = Client(auth_token=emulator_token, base_url=emulator_url)
    with pytest.raises(errors.JobAwaitsCallerError) as info:
        client.files.create_and_wait(mime_type="image/png", size_bytes=10, wait_timeout=600)
    assert "files.complete(id)" in str(info.value) and "files.upload(path)" in str(info.value)
    # waiting on such a file by id says, when it times out, what may be missing
    with pytest.raises(errors.WaitTimeoutError, match="files.complete"):
        client.files.wait(info.value.job_id, poll_interval=0.05, timeout=0.1)


def test_async_both_modes(emulator_url: str, emulator_token: str, png: Path) -> None:
    async def main() -> tuple[object, object]:
        async with AsyncClient(auth_token=emulator_token, base_url=emulator_url) as client:
            seen: list[int] = []
            inline = await client.files.upload(png, poll_interval=0.05)
            presigned = await client.files.upload(str(png), inline_max=0, progress=lambda sent, total: seen.append(sent), poll_interval=0.05)
            assert seen[-1] == png.stat().st_size
            return inline, presigned

    inline, presigned = asyncio.run(main())
    for f in (inline, presigned):
        assert f.state == "ready" and f.size_bytes == png.stat().st_size  # type: ignore[attr-defined]


def test_a_generation_references_an_uploaded_file(emulator_url: str, emulator_token: str, png: Path) -> None:
    client = Client(auth_token=emulator_token, base_url=emulator_url)
    ready = client.files.upload(png, inline_max=0, poll_interval=0.05)
    done = client.generations.create_and_wait(prompt="Make it a rainy evening", type="image_edit", source={"file_id": ready.id}, poll_interval=0.05)
    assert done.state == "completed"
    assert json.loads(client.last_response.text)["id"] == done.id  # type: ignore[union-attr]
