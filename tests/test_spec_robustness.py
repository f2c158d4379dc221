"""No spec makes ``genspec check`` raise anything but its own one-line problems.

Hypothesis breaks a small, rule-rich spec (``tests/specs/bookshop.yaml``) in 1-3 places (a
node replaced by junk or by another node of the document, a key deleted, a keyword added with
a junk value) and runs the whole check in-process. The check's last line of defence (an
unexpected exception after reported problems becomes those problems) is switched off here, so
any exception other than :class:`SpecErrors` fails the test: every crash it finds is a bug to
fix, not to hide. Problems must come with a line number whenever the pointer is in the file.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from genspec.check import check
from genspec.load.errors import SpecErrors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BASE = yaml.safe_load((Path(__file__).parent / "specs" / "bookshop.yaml").read_text())
KEYWORDS = ["x-rule", "x-validations", "$ref", "allOf", "anyOf", "items", "properties", "required", "enum", "const", "type",
            "examples", "example", "default", "if", "then", "else", "not", "oneOf", "parameters", "requestBody", "responses",
            "operationId", "content", "schema", "minimum", "maximum", "pattern", "format", "additionalProperties",
            "dependentRequired", "subsumed-by", "at", "servers", "tags", "info", "components", "paths"]
JUNK = st.sampled_from([
    None, True, False, 0, -1, 1.5, 1e308, "", "x", "#/components/schemas/Nope", "#/components/schemas/Line", "#",
    [], [1], [{}], {}, {"type": "string"}, {"$ref": "#/components/schemas/OrderRequest"}, {"$ref": 5}, "object",
    ["string", "null"], {"x-rule": {"id": "a"}}, {"if": {}, "then": False}, {"allOf": []}, {"properties": None},
    {"required": "x"}, {"enum": []}, {"type": "array", "items": [1]}, {"rule": "self.", "id": "r", "message": "m", "source": "s"},
    "\ud800", {"\ud800": 1}, "a\x00b", {"2XX": {"description": "x"}},
]) | st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5), lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3), max_leaves=6)


def _places(value: Any, path: tuple = ()) -> list[tuple]:
    out: list[tuple] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, item in items:
        out.append(path + (key,))
        out += _places(item, path + (key,))
    return out


def _at(doc: Any, path: tuple) -> Any:
    for step in path:
        doc = doc[step]
    return doc


@st.composite
def broken_specs(draw: st.DrawFn) -> dict:
    """The base spec with 1-3 things broken."""
    doc = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        places = _places(doc)
        if not places:
            break
        path = draw(st.sampled_from(places))
        parent = _at(doc, path[:-1])
        how = draw(st.sampled_from(["junk", "delete", "keyword", "copy"]))
        if how == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif how == "keyword" and isinstance(parent, dict):
            # a copy: the junk values are shared objects, and a later step may break them in place
            parent[draw(st.sampled_from(KEYWORDS))] = copy.deepcopy(draw(JUNK))
        elif how == "copy":
            parent[path[-1]] = copy.deepcopy(_at(doc, draw(st.sampled_from(places))))
        else:
            parent[path[-1]] = copy.deepcopy(draw(JUNK))
    return doc


@pytest.fixture(scope="module")
def strict_check() -> Any:
    """``check.run`` with its last line of defence off: any exception escapes."""

    def reraise(doc: Any, reporter: Any, meta: Any, exc: Exception) -> None:
        raise exc

    patch = pytest.MonkeyPatch()
    patch.setattr(check, "_crashed", reraise)
    yield check.run
    patch.undo()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], max_examples=min(40, settings.default.max_examples) if settings.default.max_examples <= 60 else settings.default.max_examples)
@given(doc=broken_specs(), as_json=st.booleans())
def test_check_reports_problems_and_never_raises(doc: dict, as_json: bool, strict_check: Any) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("spec.json" if as_json else "spec.yaml")
        text = json.dumps(doc, indent=1) if as_json else yaml.safe_dump(doc, allow_unicode=False, sort_keys=False)
        path.write_text(text)
        try:
            strict_check(path)
        except SpecErrors as exc:
            for error in exc.errors:
                assert error.what and "\n" not in str(error), error
                assert "genspec bug" not in str(error), error
                if error.pointer and error.pointer in _pointers(doc):
                    assert error.line > 0, error


def _pointers(doc: Any) -> set[str]:
    from genspec.load.loader import escape_pointer

    return {"".join("/" + escape_pointer(str(step)) for step in path) for path in _places(doc)}


def test_a_key_with_control_characters_is_reported_on_one_line_escaped(tmp_path: Path) -> None:
    """Found by the test above (dev profile): a schema keyword ``'T\\n$7'`` printed its newline
    raw, splitting the problem over two lines; an escape sequence could drive the terminal."""
    doc = copy.deepcopy(BASE)
    doc["components"]["schemas"]["T\n\x1b[2J"] = {"type": "string"}  # not a name OpenAPI allows
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SpecErrors) as caught:
        check.run(path)
    problems = [str(e) for e in caught.value.errors]
    assert any("T\\n\\x1b[2J" in p for p in problems), problems
    assert all("\n" not in p and "\x1b" not in p for p in problems)


def test_a_type_list_holding_a_list_is_reported(tmp_path: Path, strict_check: Any) -> None:
    """Found by the test above (ci profile, 2026-12-02): ``type: [[]]`` on a property's
    schema crashed the NaN analysis (genspec.schema.finite) with "unhashable type"."""
    doc = copy.deepcopy(BASE)
    schema = next(s for s in doc["components"]["schemas"].values() if s.get("properties"))
    name = next(iter(schema["properties"]))
    schema["properties"][name] = {"type": [[]], "items": {"type": "string"}}
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(SpecErrors) as caught:
        strict_check(path)
    assert any("type" in str(e) for e in caught.value.errors)
