"""Issue 14: specs that genspec check passed and generate then broke on, and check finding
every problem in one run. Small specs of our own, inline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from genhelp import generate, genspec, import_package, submodule
from loopback import serve
from starlette.responses import JSONResponse

from genspec.check import check
from genspec.load.errors import SpecErrors
from genspec.render import render

WEBHOOKS_ONLY = {
    "openapi": "3.1.0",
    "info": {"title": "Bells", "version": "1", "x-genspec": {"package": "bells_gen"}},
    "webhooks": {"rang": {"post": {
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Ring"}}}},
        "responses": {"200": {"description": "ok"}},
    }}},
    "components": {"schemas": {"Ring": {"type": "object", "properties": {"loud": {"type": "boolean"}}}}},
}

NO_SCHEMAS = {
    "openapi": "3.1.0",
    "info": {"title": "Lamps", "version": "1", "x-genspec": {"package": "lamps_gen"}},
    "paths": {
        "/lamps/{lamp_id}/on": {"post": {
            "parameters": [{"name": "lamp_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"brightness": {"type": "integer", "maximum": 100}}}}}},
            "responses": {"200": {"description": "on", "content": {"application/json": {"schema": {"type": "object", "properties": {"on": {"type": "boolean"}}}}}}},
        }},
        "/lamps": {"get": {"summary": "no responses, no operationId"}},
    },
}


def _write(tmp_path: Path, doc: dict, name: str = "spec.yaml") -> Path:
    spec = tmp_path / name
    spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    return spec


def test_a_spec_without_operations_generates_a_package_that_imports(tmp_path: Path) -> None:
    spec = _write(tmp_path, WEBHOOKS_ONLY)
    package = generate(spec, tmp_path / "out")
    pkg = import_package(tmp_path / "out" / package)
    assert submodule(pkg, "validators").validate_schema("Ring", {"loud": "yes"})
    result = CliRunner().invoke(submodule(pkg, "cli").main, ["--help"])
    assert result.exit_code == 0, result.output
    assert submodule(pkg, "client").Client(auth_token="k").base_url == ""
    proc = genspec("check", str(spec))
    assert proc.returncode == 0 and "note: 1 webhooks and 0 callbacks" in proc.stdout and "no client method" in proc.stdout


def test_ruff_s_own_error_is_shown_when_rendered_code_does_not_parse() -> None:
    with pytest.raises(SpecErrors) as info:
        render.format_sources({"x_gen/cli.py": "import os\nfrom .client import ()\n"}, "spec.yaml")
    (problem,) = info.value.errors
    assert "cli.py does not parse: 2:" in problem.what and "from .client import ()" in problem.what
    assert "ruff installation" not in problem.hint


def test_a_spec_without_component_schemas_and_operation_ids_generates_and_answers(tmp_path: Path) -> None:
    spec = _write(tmp_path, NO_SCHEMAS)
    proc = genspec("check", str(spec))
    assert proc.returncode == 0, proc.stderr
    package = generate(spec, tmp_path / "out")
    pkg = import_package(tmp_path / "out" / package)

    def answer(req):
        return JSONResponse({"on": True} if req.method == "POST" else [])

    with serve(answer) as server:
        c = submodule(pkg, "client").Client(base_url=server.url)
        assert c.lamps.post_lamps_by_lamp_id_on(4, brightness=50) == {"on": True}
        got = server.last()
        assert (got.path, json.loads(got.body), "authorization" in got.headers) == ("/lamps/4/on", {"brightness": 50}, False)
        assert c.lamps.get_lamps() == []
        with pytest.raises(submodule(pkg, "errors").RequestValidationError):
            c.lamps.post_lamps_by_lamp_id_on(4, brightness=101)


def test_check_imports_what_generate_writes(tmp_path: Path) -> None:
    checked = check.run(_write(tmp_path, WEBHOOKS_ONLY), package=True)
    assert checked.files is not None and "bells_gen/cli.py" in checked.files and "bells_gen/models.py" in checked.files
    problems = render.import_files({"p/__init__.py": "from .client import Client\n", "p/client.py": "X = 1\n"}, "p")
    assert len(problems) == 1 and "__init__.py does not import" in problems[0] and "Client" in problems[0]
    lazy = "from __future__ import annotations\n\nclass Client:\n    def get(self, x: Missing) -> int:\n        return 1\n"
    problems = render.import_files({"p/__init__.py": "", "p/client.py": lazy}, "p")
    assert len(problems) == 1 and "annotations of Client.get do not resolve" in problems[0] and "Missing" in problems[0]


def test_check_reports_every_problem_in_one_run(tmp_path: Path) -> None:
    """A compile-time problem (a $ref that does not resolve) no longer hides a bad example."""
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "Notes", "version": "1"},
        "paths": {"/notes": {"post": {
            "operationId": "createNote",
            "requestBody": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Note"},
                "examples": {"long": {"value": {"text": "far too long"}}},
            }}},
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Missing"}}}}},
        }}},
        "components": {"schemas": {"Note": {"type": "object", "properties": {"text": {"type": "string", "maxLength": 3}}}}},
    }
    proc = genspec("check", str(_write(tmp_path, doc)))
    assert proc.returncode == 1
    assert "components/schemas/Missing does not resolve" in proc.stderr
    assert "request example 'long' of createNote is invalid" in proc.stderr, proc.stderr


def test_api_keys_in_query_and_cookie_and_oauth2_as_bearer(tmp_path: Path) -> None:
    ops = {}
    for name in ("inQuery", "inCookie", "viaOauth"):
        ops[f"/{name}"] = {"get": {"operationId": name, "tags": ["keys"], "security": [{name: []}], "responses": {"200": {"description": "ok"}}}}
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "Keys", "version": "1", "x-genspec": {"package": "keys_gen"}},
        "paths": ops,
        "components": {"securitySchemes": {
            "inQuery": {"type": "apiKey", "in": "query", "name": "key"},
            "inCookie": {"type": "apiKey", "in": "cookie", "name": "sid"},
            "viaOauth": {"type": "oauth2", "flows": {"clientCredentials": {"tokenUrl": "https://example.com/token", "scopes": {}}}},
        }},
    }
    package = generate(_write(tmp_path, doc), tmp_path / "out")
    pkg = import_package(tmp_path / "out" / package)
    with serve(lambda req: JSONResponse({})) as server:
        c = submodule(pkg, "client").Client(auth_token="t/1", base_url=server.url)
        c.keys.in_query()
        assert (server.last().query, "authorization" in server.last().headers) == ("key=t%2F1", False)
        c.keys.in_cookie()
        assert server.last().headers["cookie"] == "sid=t%2F1"
        c.keys.via_oauth()
        assert server.last().headers["authorization"] == "Bearer t/1"
        with pytest.raises(submodule(pkg, "errors").MissingAuthTokenError):
            submodule(pkg, "client").Client(base_url=server.url)


def test_two_operations_of_one_method_name_are_a_problem(tmp_path: Path) -> None:
    ok = {"200": {"description": "ok"}}
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "Twins", "version": "1"},
        "paths": {"/a": {"get": {"operationId": "getItem", "tags": ["t"], "responses": ok}},
                  "/b": {"get": {"operationId": "get_item", "tags": ["t"], "responses": ok}}},
    }
    proc = genspec("check", str(_write(tmp_path, doc)))
    assert proc.returncode == 1 and "would both be the method client.t.get_item" in proc.stderr, proc.stderr
