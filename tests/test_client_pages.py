"""Keyset pages (``info.x-genspec.pages``) with the generated client against the emulator over
loopback (issue 12): ``files.list`` returns a page that iterates over every file of every page,
fetching the next page lazily, sync and async; the first page stays readable for paging by hand."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from luma_gen import AsyncClient, Client, errors


def _make(client: Client, count: int) -> list[str]:
    """``count`` files made by the presigned flow (by hand: pages are tested, not sending)."""
    ids = []
    for i in range(count):
        data = b"x" * (i + 1)
        made = client.files.create(mime_type="image/png", size_bytes=len(data), filename=f"f{i}.png")
        assert made.upload is not None
        httpx.put(made.upload.url, content=data, headers=made.upload.headers).raise_for_status()
        ids.append(made.id)
    return ids


class Counting(httpx.Client):
    """An httpx client that counts the GETs of the list path it sends."""

    def __init__(self) -> None:
        super().__init__()
        self.lists = 0

    def send(self, request: httpx.Request, **kwargs):  # type: ignore[no-untyped-def,override]
        if request.method == "GET" and request.url.path.endswith("/files"):
            self.lists += 1
        return super().send(request, **kwargs)


def test_thirty_files_ten_at_a_time_every_file_once_newest_first(emulator_url: str, emulator_token: str) -> None:
    http = Counting()
    client = Client(auth_token=emulator_token, base_url=emulator_url, http_client=http)
    ids = _make(client, 30)
    page = client.files.list(limit=10)
    assert http.lists == 1  # the first page only, until iteration needs more
    assert [f.id for f in page.items] == ids[::-1][:10] and page.has_next_page and page.next_page_cursor
    assert page.page.data == page.items and page.has_more is True  # the response's own fields read through
    seen = [f.id for f in page]
    assert seen == ids[::-1] and len(set(seen)) == 30
    # 3 pages of 10, then the last says has_more false: no fourth request
    assert http.lists == 3
    # iterating again starts from the first page (already held) and fetches the rest again
    assert [f.id for f in page] == seen


def test_pages_one_at_a_time_and_the_cursor_argument(emulator_url: str, emulator_token: str) -> None:
    client = Client(auth_token=emulator_token, base_url=emulator_url)
    ids = _make(client, 5)
    first = client.files.list(limit=2)
    second = first.next_page()
    assert second is not None and [f.id for f in second.items] == ids[::-1][2:4]
    by_hand = client.files.list(limit=2, cursor=first.next_page_cursor)
    assert [f.id for f in by_hand.items] == [f.id for f in second.items]
    assert [len(p.data) for p in first.iter_pages()] == [2, 2, 1]
    last = client.files.list(limit=5)
    assert not last.has_next_page and last.next_page_cursor is None and last.next_page() is None
    assert [f.id for f in client.files.list(limit=2, cursor=first.next_page_cursor)] == ids[::-1][2:]


def test_filters_are_kept_on_every_page(emulator_url: str, emulator_token: str) -> None:
    client = Client(auth_token=emulator_token, base_url=emulator_url)
    ids = _make(client, 4)
    client.files.delete(ids[1])
    client.files.delete(ids[3])
    assert [f.id for f in client.files.list(limit=1, state="deleted")] == [ids[3], ids[1]]


def test_an_invalid_limit_fails_before_anything_is_sent(emulator_url: str, emulator_token: str) -> None:
    client = Client(auth_token=emulator_token, base_url=emulator_url)
    with pytest.raises(errors.RequestValidationError):
        client.files.list(limit=0)


def test_a_server_repeating_its_cursor_is_stopped(emulator_url: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": [], "has_more": True, "next_cursor": "same"})

    client = Client(auth_token="t", base_url=emulator_url, http_client=httpx.Client(transport=httpx.MockTransport(answer)))
    with pytest.raises(errors.APIResponseValidationError, match="twice"):
        list(client.files.list())


def test_async_pages(emulator_url: str, emulator_token: str) -> None:
    ids = _make(Client(auth_token=emulator_token, base_url=emulator_url), 12)

    async def main() -> tuple[list[str], list[str], bool]:
        async with AsyncClient(auth_token=emulator_token, base_url=emulator_url) as client:
            every = [f.id async for f in client.files.list(limit=5)]
            first = await client.files.list(limit=5)
            second = await first.next_page()
            assert second is not None
            pages = [len(p.data) async for p in first.iter_pages()]
            assert pages == [5, 5, 2]
            return every, [f.id for f in second.items], first.has_next_page

    every, second, more = asyncio.run(main())
    assert every == ids[::-1] and second == ids[::-1][5:10] and more
