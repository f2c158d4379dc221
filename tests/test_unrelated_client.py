"""The client and CLI of the unrelated spec come from that spec alone: add an operation and
its method and command appear."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import yaml
from click.testing import CliRunner
from genhelp import ROOT, generate, import_package, submodule

SPEC = ROOT / "tests" / "specs" / "bookshop.yaml"
ORDER = {"id": "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e", "status": "open"}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory):
    """The bookshop spec plus one more operation (cancelOrder), generated and imported."""
    doc = yaml.safe_load(SPEC.read_text())
    doc["paths"]["/orders/{order_id}/cancel"] = {"post": {
        "operationId": "cancelOrder",
        "tags": ["orders"],
        "summary": "Cancel an order",
        "parameters": [{"name": "order_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}},
                       {"name": "reason", "in": "query", "schema": {"type": "string", "maxLength": 20}}],
        "responses": {"200": {"description": "cancelled", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}}},
    }}
    doc["components"]["schemas"]["OrderRequest"]["properties"]["binding"] = {
        "type": "string", "enum": ["paperback", "hardcover", "spiral", "leather", "cloth", "board", "digital"],
        "description": "The binding. Paperback is the default; hardcover costs more, and leather takes a week longer than the other bindings to bind. "
                       "Cloth and board are for children's books. Digital copies are sent by email within the hour and are never bound. "
                       "Spiral suits cookbooks that must lie flat on the counter while you cook from them."}
    folder = tmp_path_factory.mktemp("shop2")
    spec = folder / "bookshop-plus.yaml"
    spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    out = folder / "out"
    generate(spec, out)
    return import_package(out / "shop_gen")


def _client(shop, handler):
    client_mod = submodule(shop, "client")
    return client_mod.Client(auth_token="k", http_client=httpx.Client(transport=httpx.MockTransport(handler)))


def test_every_operation_is_a_method_with_the_spec_defaults(shop, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201 if request.url.path.endswith("/orders") else 200, json=ORDER)

    monkeypatch.delenv("SHOP_BASE_URL", raising=False)
    c = _client(shop, handler)
    assert c.base_url == "https://shop.example.com/api"
    assert c.orders.create(customer="ann", lines=[{"isbn": "9780306406157", "qty": 1}]).status == "open"
    assert c.orders.get(ORDER["id"]).id
    assert c.orders.cancel_order(ORDER["id"], reason="late").status == "open"
    assert [(r.method, r.url.path, r.url.query.decode()) for r in seen] == [
        ("POST", "/api/orders", ""), ("GET", f"/api/orders/{ORDER['id']}", ""), ("POST", f"/api/orders/{ORDER['id']}/cancel", "reason=late"),
    ]
    assert json.loads(seen[0].content) == {"customer": "ann", "lines": [{"isbn": "9780306406157", "qty": 1}]}
    assert seen[0].headers["authorization"] == "Bearer k"


def test_the_bookshop_rules_stop_requests_before_sending(shop) -> None:
    c = _client(shop, lambda r: pytest.fail("nothing may be sent"))
    errors = submodule(shop, "errors")
    with pytest.raises(errors.RequestValidationError) as info:
        c.orders.create(customer="ann", lines=[{"isbn": "9780306406157", "qty": 1}], shipping="pickup")
    assert [v.rule for v in info.value.violations] == ["pickup-needs-store"]
    with pytest.raises(errors.RequestValidationError):
        c.orders.cancel_order(ORDER["id"], reason="x" * 21)


def test_the_cli_has_a_command_per_operation(shop, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = submodule(shop, "cli")
    runner = CliRunner()
    result = runner.invoke(cli.main, ["orders", "--help"])
    assert result.exit_code == 0
    for command in ("create", "get", "cancel-order"):
        assert command in result.output
    result = runner.invoke(cli.main, ["orders", "create", "--customer", "ann", "--lines", '{isbn: "9780306406157", qty: 1}', "--shipping", "pickup"], env={"SHOP_TOKEN": "k"})
    assert result.exit_code == 1
    assert "[pickup-needs-store]" in result.output


def test_the_cli_lists_many_choices_in_whole_sentences_and_takes_a_list_for_a_repeatable_flag(shop) -> None:
    cli = submodule(shop, "cli")
    text = " ".join(CliRunner().invoke(cli.main, ["orders", "create", "--help"]).output.split())
    assert "One of: paperback, hardcover, spiral, leather, cloth, board, digital." in text
    assert "leather takes a week longer than the other bindings to bind." in text and "..." not in text
    assert "lie flat on the counter" not in text  # over 300 characters: whole sentences dropped, none cut
    sent: list[httpx.Request] = []
    client_mod = submodule(shop, "client")
    real = client_mod.Client

    def recording(**kw):
        kw["http_client"] = httpx.Client(transport=httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(201, json=ORDER)))
        return real(**kw)

    cli.Client = recording
    try:
        result = CliRunner().invoke(cli.main, ["orders", "create", "--customer", "ann", "--format", "json", "--lines",
                                               "[{isbn: '9780306406157', qty: 1}, {isbn: '9780306406157', qty: 2}]", "--lines", "{isbn: '9780306406157', qty: 3}"],
                                    env={"SHOP_TOKEN": "k"})
    finally:
        cli.Client = real
    assert result.exit_code == 0, result.output
    assert [line["qty"] for line in json.loads(sent[0].content)["lines"]] == [1, 2, 3]
