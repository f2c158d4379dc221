"""An unrelated spec generates and validates with no change to generator/ or templates/."""

from __future__ import annotations

from pathlib import Path

import pytest
from genhelp import ROOT, generate, import_package, submodule

SPEC = ROOT / "tests" / "specs" / "bookshop.yaml"
LINE = {"isbn": "9780306406157", "qty": 1}


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("shop")
    package = generate(SPEC, out)
    assert package == "shop_gen"
    return import_package(out / package)


def test_requests_are_judged_by_the_bookshop_rules(shop) -> None:
    ok = {"customer": "ann", "lines": [LINE], "shipping": "pickup", "store": "soho"}
    assert shop.validate_request("createOrder", ok) == []
    got = [(v.path, v.rule) for v in shop.validate_request("createOrder", {**ok, "address": "x", "gift_notes": ["a", "b"]})]
    assert got == [("/gift_notes", "notes-at-most-lines"), ("/address", "pickup-needs-store"), ("/gift_wrap", "notes-need-wrap")]
    assert [v.rule for v in shop.validate_request("createOrder", {"customer": "", "lines": [{"isbn": "1", "qty": 0}]})] == [
        "OrderRequest.customer.minLength", "Line.isbn.pattern", "Line.qty.minimum",
    ]


def test_recursive_schemas_generate_and_validate(shop) -> None:
    tree = {"name": "a", "children": [{"name": "b", "children": [{"name": ""}]}]}
    got = shop.validate_schema("Category", tree)
    assert [(v.path, v.rule) for v in got] == [("/children/0/children/0/name", "Category.name.minLength")]


def test_responses_params_and_unknown_operations(shop) -> None:
    assert [v.rule for v in shop.validate_response("createOrder", {"id": "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e", "status": "shipped"})] == ["shipped-has-tracking"]
    assert [v.path for v in shop.validate_params("getOrder", {"order_id": "nope"})] == ["/order_id"]
    with pytest.raises(KeyError, match="did you mean 'createOrder'"):
        shop.validate_request("createOrdr", {})
    rules = submodule(shop, "rules").RULES
    assert sorted(rules) == ["delivery-needs-address", "notes-at-most-lines", "notes-need-wrap", "pickup-needs-store", "shipped-has-tracking"]


def test_models_come_from_the_plain_schema(shop) -> None:
    models = submodule(shop, "models")
    order = models.OrderRequest.model_validate({"customer": "ann", "lines": [LINE]})
    assert order.lines[0].qty == 1
