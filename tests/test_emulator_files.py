"""The emulator's Files API over loopback (issue 12, part 3): both upload modes, the signed
presigned PUT, ingest, keyset pages, soft delete, ``file_id`` in generations, isolation and
durability across ``kill -9``."""

from __future__ import annotations

import os
import signal
import threading
import uuid
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fixtures_emulator import running_emulator
from luma_emulator.config import ManualClock
from luma_emulator.files import INLINE_CAP
from luma_gen import validate_response
from test_durability import emulator_process

INGEST = 2.0


@pytest.fixture()
def env() -> Iterator[tuple[str, ManualClock]]:
    clock = ManualClock(1_800_000_000)
    with running_emulator(clock=clock, complete_after=INGEST) as emu:
        yield emu.url, clock


def client(token: str) -> httpx.Client:
    return httpx.Client(timeout=30, headers={"Authorization": f"Bearer {token}"})


def inline(http: httpx.Client, url: str, data: bytes = b"\x89PNG\r\n", mime: str = "image/png", **form: str) -> httpx.Response:
    return http.post(f"{url}/files", files={"file": ("a.bin", data, mime)}, data=form)


def presigned(http: httpx.Client, url: str, data: bytes, mime: str = "image/png", **extra: Any) -> dict[str, Any]:
    """create -> PUT -> complete; the completed File."""
    made = http.post(f"{url}/files", json={"mime_type": mime, "size_bytes": len(data), **extra})
    assert made.status_code == 201, made.text
    assert validate_response("createFile", made.json()) == []
    up = made.json()["upload"]
    put = httpx.put(up["url"], content=data, headers=up["headers"])
    assert put.status_code == 200, put.text
    done = http.post(f"{url}/files/{made.json()['id']}/complete")
    assert done.status_code == 200, done.text
    return done.json()


def test_inline_upload_is_pending_then_ready(env: tuple[str, ManualClock]) -> None:
    url, clock = env
    with client("files-inline") as http:
        resp = inline(http, url, purpose="reference")
        assert resp.status_code == 201 and validate_response("createFile", resp.json()) == []
        body = resp.json()
        assert body["upload"] is None and body["state"] == body["file"]["state"] == "pending"
        assert body["file"]["purpose"] == "reference" and body["file"]["size_bytes"] == 6
        clock.advance(INGEST)
        got = http.get(f"{url}/files/{body['id']}").json()
        assert got["state"] == "ready" and validate_response("getFile", got) == []


def test_inline_upload_over_the_cap_is_413(env: tuple[str, ManualClock]) -> None:
    url, _ = env
    with client("files-cap") as http:
        assert inline(http, url, b"x" * INLINE_CAP).status_code == 201
        resp = inline(http, url, b"x" * (INLINE_CAP + 1))
        assert resp.status_code == 413 and "presigned" in resp.json()["error"]["message"]


def test_presigned_flow_and_its_refusals(env: tuple[str, ManualClock]) -> None:
    url, clock = env
    with client("files-presigned") as http:
        made = http.post(f"{url}/files", json={"mime_type": "image/png", "size_bytes": 5, "filename": "k.png"}).json()
        up, fid = made["upload"], made["id"]
        assert up["method"] == "PUT" and up["headers"] == {"Content-Type": "image/png"}
        # complete before the bytes: 400 with a rule id
        early = http.post(f"{url}/files/{fid}/complete")
        assert early.status_code == 400 and early.json()["error"]["violations"][0]["rule"] == "file-upload-received"
        assert httpx.put(up["url"], content=b"12345").status_code == 400  # no Content-Type
        assert httpx.put(up["url"], content=b"1234", headers=up["headers"]).status_code == 400  # wrong size
        assert httpx.put(up["url"], content=b"123456", headers=up["headers"]).status_code == 400
        parts = urlsplit(up["url"])
        query = parse_qs(parts.query)
        tampered = f"{parts.scheme}://{parts.netloc}{parts.path}?" + urlencode({"expires": int(query["expires"][0]) + 1, "sig": query["sig"][0]})
        assert httpx.put(tampered, content=b"12345", headers=up["headers"]).status_code == 403
        other = up["url"].replace(fid, str(uuid.uuid4()))
        assert httpx.put(other, content=b"12345", headers=up["headers"]).status_code == 403
        # twice is safe (a retried PUT) until complete
        assert httpx.put(up["url"], content=b"12345", headers=up["headers"]).status_code == 200
        assert httpx.put(up["url"], content=b"12345", headers=up["headers"]).status_code == 200
        done = http.post(f"{url}/files/{fid}/complete").json()
        assert done["state"] == "pending" and done["filename"] == "k.png"
        clock.advance(INGEST)
        assert http.get(f"{url}/files/{fid}").json()["state"] == "ready"
        late = http.post(f"{url}/files", json={"mime_type": "image/png", "size_bytes": 5}).json()["upload"]
        clock.advance(3601)
        assert httpx.put(late["url"], content=b"12345", headers=late["headers"]).status_code == 403


def test_fail_marker_and_unsupported_media_end_failed(env: tuple[str, ManualClock]) -> None:
    url, clock = env
    with client("files-fail") as http:
        marked = presigned(http, url, b"abc", filename="x [[fail:blurry]].png")
        text = inline(http, url, b"hello", "text/plain").json()
        clock.advance(INGEST)
        got = http.get(f"{url}/files/{marked['id']}").json()
        assert (got["state"], got["failure_reason"]) == ("failed", "blurry")
        got = http.get(f"{url}/files/{text['id']}").json()
        assert got["state"] == "failed" and "text/plain" in got["failure_reason"]
        assert validate_response("getFile", got) == []


def test_list_30_files_10_at_a_time_newest_first_and_stable(env: tuple[str, ManualClock]) -> None:
    url, clock = env
    with client("files-list") as http:
        made = []
        for i in range(30):
            made.append(inline(http, url, purpose="reference" if i % 3 == 0 else "input").json()["id"])
            clock.advance(0.001)
        seen: list[str] = []
        cursor = None
        pages = 0
        while True:
            query: dict[str, Any] = {"limit": 10, **({"cursor": cursor} if cursor else {})}
            page = http.get(f"{url}/files", params=query).json()
            assert validate_response("listFiles", page) == []
            seen += [f["id"] for f in page["data"]]
            pages += 1
            inline(http, url)  # a file added meanwhile shifts no page
            if not page["has_more"]:
                break
            cursor = page["next_cursor"]
        assert seen == made[::-1] and pages == 3
        default = http.get(f"{url}/files").json()
        assert len(default["data"]) == 25 and default["has_more"]
        refs = http.get(f"{url}/files", params={"purpose": "reference", "limit": 100}).json()["data"]
        assert [f["id"] for f in refs] == [made[i] for i in range(30) if i % 3 == 0][::-1]
        assert http.get(f"{url}/files", params={"state": "ready"}).json()["data"] == []
        for bad in ("0", "101", "x"):
            resp = http.get(f"{url}/files", params={"limit": bad})
            assert resp.status_code == 400 and resp.json()["error"]["violations"][0]["path"] == "/limit"
        assert http.get(f"{url}/files", params={"cursor": "nope!"}).status_code == 400


def test_soft_delete_and_file_id_in_generations(env: tuple[str, ManualClock]) -> None:
    url, clock = env
    with client("files-gen") as http, client("files-intruder") as intruder:
        image = presigned(http, url, b"\x89PNG\r\n\x1a\n", filename="k.png")
        video = inline(http, url, b"\x00\x00\x00\x18ftypmp42", "video/mp4").json()["file"]
        edit = {"prompt": "p", "type": "image_edit", "source": {"file_id": image["id"]}}
        pending = http.post(f"{url}/generations", json=edit)
        assert pending.status_code == 400 and pending.json()["error"]["violations"][0]["rule"] == "file-id-ready"
        clock.advance(INGEST)
        assert http.post(f"{url}/generations", json=edit).status_code == 201
        refs = {"prompt": "p", "image_ref": [{"file_id": image["id"]}, {"file_id": video["id"]}]}
        kind = http.post(f"{url}/generations", json=refs).json()["error"]["violations"]
        assert [(v["path"], v["rule"]) for v in kind] == [("/image_ref/1/file_id", "file-id-kind")]
        vedit = {"prompt": "p", "type": "video_edit", "source": {"file_id": video["id"]}, "video": {"edit": {"strength": "flex_1"}}}
        assert http.post(f"{url}/generations", json=vedit).status_code == 201
        assert http.post(f"{url}/generations", json={**vedit, "source": {"file_id": image["id"]}}).status_code == 400
        frames = {"prompt": "p", "type": "video", "video": {"start_frame": {"file_id": image["id"]}}}
        assert http.post(f"{url}/generations", json=frames).status_code == 201
        # isolation: another caller sees none of it
        assert intruder.post(f"{url}/generations", json=edit).status_code == 404
        for method, path in (("GET", ""), ("DELETE", ""), ("POST", "/complete")):
            assert intruder.request(method, f"{url}/files/{image['id']}{path}").status_code == 404
        assert intruder.get(f"{url}/files").json()["data"] == []
        # soft delete
        gone = http.delete(f"{url}/files/{image['id']}")
        assert gone.status_code == 204 and gone.content == b""
        got = http.get(f"{url}/files/{image['id']}").json()
        assert got["state"] == "deleted" and got["deleted_at"] and validate_response("getFile", got) == []
        refused = http.post(f"{url}/generations", json=edit)
        assert refused.status_code == 400 and refused.json()["error"]["violations"][0]["rule"] == "file-id-ready"
        assert image["id"] not in [f["id"] for f in http.get(f"{url}/files").json()["data"]]
        assert [f["id"] for f in http.get(f"{url}/files", params={"state": "deleted"}).json()["data"]] == [image["id"]]


def test_files_survive_kill_9(tmp_path: Path) -> None:
    db = tmp_path / "files.db"
    with emulator_process(db, "--complete-after", "0") as (proc, url):
        with client("files-durable") as http:
            kept = presigned(http, url, b"\x89PNG-bytes")
            small = inline(http, url, b"\x89PNG-inline").json()["id"]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    assert (tmp_path / "files.db.files" / kept["id"]).read_bytes() == b"\x89PNG-bytes"
    with emulator_process(db, "--complete-after", "0") as (_, url):
        with client("files-durable") as http:
            for fid in (kept["id"], small):
                assert http.get(f"{url}/files/{fid}").json()["state"] == "ready"
            assert http.post(f"{url}/generations", json={"prompt": "p", "image_ref": [{"file_id": small}]}).status_code == 201


def test_concurrent_uploads_each_get_their_own_file(env: tuple[str, ManualClock]) -> None:
    url, _ = env
    ids: list[str] = []
    lock = threading.Lock()

    def upload() -> None:
        with client("files-concurrent") as http:
            fid = inline(http, url).json()["id"]
            with lock:
                ids.append(fid)

    threads = [threading.Thread(target=upload) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with client("files-concurrent") as http:
        listed = [f["id"] for f in http.get(f"{url}/files").json()["data"]]
    assert sorted(listed) == sorted(ids) and len(set(ids)) == 6
