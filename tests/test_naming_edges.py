"""Names that are Python keywords and descriptions with triple quotes still generate code."""

from __future__ import annotations

from pathlib import Path

import yaml
from genhelp import ROOT, generate, import_package, submodule


def test_keywords_and_quotes_render(tmp_path: Path) -> None:
    doc = yaml.safe_load((ROOT / "tests" / "specs" / "bookshop.yaml").read_text())
    doc["components"]["schemas"]["Line"]["properties"]["class"] = {"type": "string", "description": 'a """quoted""" \\ text'}
    doc["paths"]["/orders"]["post"]["tags"] = ["None"]
    doc["paths"]["/orders"]["post"]["x-method-name"] = "return"
    spec = tmp_path / "kw.yaml"
    spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    package = import_package(tmp_path / "out" / generate(spec, tmp_path / "out"))
    client = submodule(package, "client").Client(auth_token="k")
    assert callable(client.none.return_)
    line = {"isbn": "9780306406157", "qty": 1, "class": 3}
    assert [v.rule for v in package.validate_schema("Line", line)] == ["Line.class.type"]
