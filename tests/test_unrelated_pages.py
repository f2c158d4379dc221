"""Keyset pages (``x-genspec.pages``) and file transfers (``x-genspec.transfers``) proved on a
spec that is not this API's (tests/specs/noticeboard.yaml, issue 12): its own names for the
cursor (``after``), the items (``notices``), more (``continues``) and the next cursor
(``resume_from``); scans sent inline (a multipart ``image`` part up to its maxLength) or
presigned (``bytes_total``, ``content_kind``, a PUT to ``put_to.href`` with ``with_headers``,
then ``finishScan``), waited for as the ``scan`` job. The server is a stateful fake behind
httpx's MockTransport."""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import io
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from genhelp import ROOT, generate, import_package, submodule

SPEC = ROOT / "tests" / "specs" / "noticeboard.yaml"


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    out = tmp_path_factory.mktemp("boardpages")
    return import_package(out / generate(SPEC, out))


class Board:
    """A fake noticeboard server: ``notices`` newest first, scans with their bytes."""

    def __init__(self, notices: int) -> None:
        self.notices = [{"id": str(uuid.uuid4()), "status": "printed"} for _ in range(notices)][::-1]
        self.scans: dict[str, dict[str, Any]] = {}
        self.sent: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.sent.append(f"{request.method} {path}")
        if request.method == "GET" and path == "/api/notices":
            start = int(request.url.params.get("after", "0"))
            size = int(request.url.params.get("per_page", "2"))
            chunk = self.notices[start:start + size]
            more = start + size < len(self.notices)
            return httpx.Response(200, json={"notices": chunk, "continues": more, "resume_from": str(start + size) if more else None})
        if request.method == "POST" and path == "/api/scans":
            sid = str(uuid.uuid4())
            if request.headers["content-type"].startswith("multipart/form-data"):
                raw = b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n" + request.content
                parts = {p.get_param("name", header="content-disposition"): p for p in email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw).iter_parts()}
                data = parts["image"].get_payload(decode=True)
                self.scans[sid] = {"id": sid, "status": "filed", "bytes_total": len(data), "label": parts["label"].get_payload(), "kind": parts["image"].get_content_type()}
                return httpx.Response(201, json={"id": sid, "status": "filed", "put_to": None})
            body = json.loads(request.content)
            self.scans[sid] = {"id": sid, "status": "waiting", "bytes_total": body["bytes_total"], "label": body.get("label"), "kind": body["content_kind"], "data": None}
            return httpx.Response(201, json={"id": sid, "status": "waiting", "put_to": {"href": f"https://store.example.com/put/{sid}", "with_headers": {"X-Kind": body["content_kind"]}}})
        if request.method == "PUT" and path.startswith("/put/"):
            scan = self.scans[path.rsplit("/", 1)[1]]
            if request.headers.get("x-kind") != scan["kind"] or len(request.content) != scan["bytes_total"]:
                return httpx.Response(400, json={"error": {"message": "wrong PUT"}})
            scan["data"] = request.content
            return httpx.Response(200)
        if request.method == "POST" and path.endswith("/done"):
            scan = self.scans[path.split("/")[-2]]
            scan["status"] = "filed" if scan["data"] is not None else "rejected"
            return httpx.Response(200, json=_scan(scan))
        if request.method == "GET" and path.startswith("/api/scans/"):
            return httpx.Response(200, json=_scan(self.scans[path.rsplit("/", 1)[1]]))
        return httpx.Response(404, json={"error": {"message": f"no route {path}"}})


def _scan(scan: dict[str, Any]) -> dict[str, Any]:
    return {k: scan[k] for k in ("id", "status", "bytes_total", "label")}


def test_pages_use_the_specs_own_names(board) -> None:  # type: ignore[no-untyped-def]
    server = Board(7)
    client = submodule(board, "client").Client(auth_token="k", http_client=httpx.Client(transport=httpx.MockTransport(server)))
    page = client.notices.list(per_page=3)
    assert server.sent == ["GET /api/notices"]
    assert [n.id for n in page.items] == [n["id"] for n in server.notices[:3]] and page.continues is True and page.resume_from == "3"
    assert page.has_next_page and page.next_page_cursor == "3"
    assert [n.id for n in page] == [n["id"] for n in server.notices]
    assert server.sent == ["GET /api/notices"] * 3


def test_async_pages(board) -> None:  # type: ignore[no-untyped-def]
    server = Board(5)

    async def main() -> list[str]:
        client = submodule(board, "client").AsyncClient(auth_token="k", http_client=httpx.AsyncClient(transport=httpx.MockTransport(server)))
        first = await client.notices.list(per_page=2)
        assert [n.id for n in first.items] == [n["id"] for n in server.notices[:2]]
        return [n.id async for n in client.notices.list(per_page=2)]

    assert asyncio.run(main()) == [n["id"] for n in server.notices]


def test_a_small_scan_goes_inline_and_a_large_one_presigned(board, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server = Board(0)
    client = submodule(board, "client").Client(auth_token="k", http_client=httpx.Client(transport=httpx.MockTransport(server)))
    small = tmp_path / "small.gif"
    small.write_bytes(b"GIF89a" + b"\0" * 10)
    scan = client.scans.send(small, shelf="left", poll_interval=0.01)
    assert scan.status == "filed" and scan.bytes_total == 16 and scan.label == "small.gif"
    assert server.sent[0] == "POST /api/scans" and not any(s.startswith("PUT") for s in server.sent)
    assert next(iter(server.scans.values()))["kind"] == "image/gif"
    server.sent.clear()
    seen: list[tuple[int, int]] = []
    big = client.scans.send(io.BytesIO(b"x" * 100), content_kind="image/raw", label="big", progress=lambda a, b: seen.append((a, b)), poll_interval=0.01)
    assert big.status == "filed" and big.bytes_total == 100 and big.label == "big"
    assert [s.split(" ")[0] for s in server.sent[:3]] == ["POST", "PUT", "POST"] and server.sent[2].endswith("/done")
    assert seen[-1] == (100, 100)


def test_create_and_wait_of_a_presigned_scan_refuses(board) -> None:  # type: ignore[no-untyped-def]
    errors = submodule(board, "errors")
    client = submodule(board, "client").Client(auth_token="k", http_client=httpx.Client(transport=httpx.MockTransport(Board(0))))
    with pytest.raises(errors.JobAwaitsCallerError, match=r"scans\.finish\(id\).*scans\.send\(path\)"):
        client.scans.create_and_wait(bytes_total=3, content_kind="image/raw")


def test_the_cli_has_the_commands(board) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    main = submodule(board, "cli").main
    assert "--all" in CliRunner().invoke(main, ["notices", "list", "--help"]).output
    sent = CliRunner().invoke(main, ["scans", "send", "--help"]).output
    assert "PATH" in sent and "--shelf" in sent and "--wait" in sent


@pytest.mark.parametrize(("where", "change", "said"), [
    ("pages", {"cursor": "from"}, "listNotices has no query parameter 'from'"),
    ("pages", {"items": "entries"}, "listNotices's response has no property 'entries'"),
    ("pages", {"items": "continues"}, "'continues' of listNotices's response is not an array"),
    ("transfers", {"job": "print2"}, "names unknown job 'print2'"),
    ("transfers", {"inline": {"media": "multipart/form-data", "part": "label"}}, "has no binary part 'label'"),
    ("transfers", {"presigned": {"size": "size", "mime": "content_kind", "target": "put_to", "url": "href"}}, "has no property 'size'"),
])
def test_a_wrong_declaration_is_one_line_naming_it(tmp_path: Path, where: str, change: dict, said: str) -> None:
    import yaml
    from genhelp import genspec

    doc = yaml.safe_load(SPEC.read_text())
    doc["info"]["x-genspec"][where][0].update(change)
    spec = tmp_path / "board.yaml"
    spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    done = genspec("check", str(spec))
    assert done.returncode == 1 and said in done.stdout + done.stderr, done.stdout + done.stderr
    assert f"/info/x-genspec/{where}/0" in done.stdout + done.stderr
