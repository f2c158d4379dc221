"""Two kinds of job in one spec that is not this API's (issue 12): the bookshop's orders
(``open`` -> ``shipped`` | ``cancelled``) and a second kind, refunds, whose start answers a
wrapper around the job. Each gets ``wait`` through the one polling mechanism, returns the poll
operation's model and raises its own failure error."""

from __future__ import annotations

import inspect

import httpx
import pytest
import yaml
from genhelp import ROOT, generate, import_package, submodule

SPEC = ROOT / "tests" / "specs" / "bookshop.yaml"
RID = "0b0c9f3e-2d0a-4a8e-9a51-3f1f6b1f2c11"
OID = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory):
    doc = yaml.safe_load(SPEC.read_text())
    doc["info"]["x-genspec"]["jobs"] = [
        {"name": "order", "start": "createOrder", "poll": "getOrder", "id": "id", "state": "status",
         "succeeded": ["shipped"], "failed": ["cancelled"]},
        {"name": "refund", "start": "requestRefund", "poll": "getRefund", "id": "id", "state": "stage",
         "succeeded": ["paid"], "failed": ["refused"], "failure": {"reason": "why"}},
    ]
    refund = {"type": "object", "required": ["id", "stage"], "properties": {
        "id": {"type": "string", "format": "uuid"}, "stage": {"type": "string", "enum": ["asked", "paid", "refused"]},
        "why": {"type": ["string", "null"]}}}
    doc["components"]["schemas"]["Refund"] = refund
    doc["components"]["schemas"]["RefundTicket"] = {"type": "object", "required": ["id", "stage", "refund"], "properties": {
        "id": {"type": "string", "format": "uuid"}, "stage": {"type": "string"}, "refund": {"$ref": "#/components/schemas/Refund"}}}
    doc["paths"]["/refunds"] = {"post": {
        "operationId": "requestRefund", "tags": ["refunds"], "x-method-name": "create",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": False, "required": ["order_id"], "properties": {"order_id": {"type": "string", "format": "uuid"}}}}}},
        "responses": {"201": {"description": "asked", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RefundTicket"}}}}},
    }}
    doc["paths"]["/refunds/{refund_id}"] = {"get": {
        "operationId": "getRefund", "tags": ["refunds"], "x-method-name": "get",
        "parameters": [{"name": "refund_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}],
        "responses": {"200": {"description": "the refund", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Refund"}}}}},
    }}
    folder = tmp_path_factory.mktemp("shopjobs")
    spec = folder / "bookshop-jobs.yaml"
    spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    generate(spec, folder / "out")
    return import_package(folder / "out" / "shop_gen")


def _client(shop, answers: list[dict]):
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path}")
        body = answers.pop(0)
        return httpx.Response(201 if request.method == "POST" else 200, json=body)

    client = submodule(shop, "client").Client(auth_token="k", http_client=httpx.Client(transport=httpx.MockTransport(handler)))
    return client, sent


def test_the_second_kind_waits_with_the_same_mechanism_and_returns_the_poll_model(shop) -> None:
    models = submodule(shop, "models")
    ticket = {"id": RID, "stage": "asked", "refund": {"id": RID, "stage": "asked"}}
    client, sent = _client(shop, [ticket, {"id": RID, "stage": "asked"}, {"id": RID, "stage": "paid"}])
    seen: list[str] = []
    done = client.refunds.create_and_wait(order_id=OID, poll_interval=0.01, wait_timeout=5, on_update=lambda r: seen.append(type(r).__name__))
    assert isinstance(done, models.Refund) and done.stage == "paid"
    # typed as the poll operation's model, not the start's wrapper
    for method in (client.refunds.wait, client.refunds.create_and_wait):
        assert inspect.signature(method).return_annotation in ("models.Refund", models.Refund)
    assert seen == ["RefundTicket", "Refund", "Refund"]
    assert sent == ["POST /api/refunds", f"GET /api/refunds/{RID}", f"GET /api/refunds/{RID}"]


def test_each_kind_fails_with_its_own_error(shop) -> None:
    errors = submodule(shop, "errors")
    client, _ = _client(shop, [{"id": RID, "stage": "refused", "why": "too late"}])
    with pytest.raises(errors.RefundFailedError) as info:
        client.refunds.wait(RID, poll_interval=0.01, timeout=5)
    assert info.value.job_id == RID and "too late" in str(info.value)
    assert not isinstance(info.value, errors.OrderFailedError)
    client, _ = _client(shop, [{"id": OID, "status": "open"}, {"id": OID, "status": "cancelled"}])
    with pytest.raises(errors.OrderFailedError):
        client.orders.wait(OID, poll_interval=0.01, timeout=5)
    client, _ = _client(shop, [{"id": OID, "status": "open"}])
    with pytest.raises(errors.WaitTimeoutError):
        client.orders.wait(OID, poll_interval=0.01, timeout=0)
