"""Nullable fields, proved on an unrelated spec (tests/specs/noticeboard.yaml): ``| None`` in
types.py exactly where null is allowed, validators that read null as "not given" and report
what is wrong inside a nullable object, strategies that draw null at nullable positions (and
near misses that stay out of null), ``genspec diff`` judging nullability both ways, and
downloads named by values of each output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from genhelp import ROOT, generate, import_package, submodule
from genspec.evolve import diff, diff_report
from hypothesis import HealthCheck, Phase, given, settings

SPEC = ROOT / "tests" / "specs" / "noticeboard.yaml"
FEW = settings(max_examples=200, database=None, suppress_health_check=list(HealthCheck), phases=[Phase.generate], deadline=None)


@pytest.fixture(scope="module")
def board(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("board")
    package = generate(SPEC, out)
    return import_package(out / package)


def _fields(types_py: str, cls: str) -> dict[str, str]:
    body = types_py.split(f"class {cls}(TypedDict):", 1)[1].split("\nclass ", 1)[0]
    return dict(re.findall(r"^    (\w+): (.+)$", body, re.MULTILINE))


def test_types_say_none_exactly_where_null_is_allowed(board) -> None:
    text = Path(board.__file__).with_name("types.py").read_text()
    assert _fields(text, "NoticeRequestParam") == {
        "title": "str",
        "subtitle": "NotRequired[str | None]",
        "pin": "NotRequired[PinParam | None]",
        "colours": "NotRequired[Sequence[str] | None]",
        "counts": "NotRequired[Sequence[int] | None]",
    }
    assert _fields(text, "PinParam")["corner"] == "NotRequired[CornerValue | None]"
    assert _fields(text, "PartParam") == {"number": "NotRequired[int]", "tag": "NotRequired[str]"}
    # the client's keyword arguments keep None = not sent: no "| None | None"
    client = Path(board.__file__).with_name("client.py").read_text()
    assert "pin: PinParam | None = None" in client and "| None | None" not in client


def test_null_is_not_given_and_errors_inside_a_nullable_object_are_its_own(board) -> None:
    ok = {"title": "t", "subtitle": None, "pin": None, "colours": None, "counts": [1, 2]}
    assert board.validate_request("postNotice", ok) == []
    assert board.validate_request("postNotice", {"title": "t", "pin": {"corner": None}}) == []
    got = [(v.path, v.rule) for v in board.validate_request("postNotice", {"title": "t", "pin": {"corner": "top_left", "until": None, "colour": "red"}})]
    assert sorted(got) == [("/pin/colour", "Pin.colour.pattern"), ("/pin/until", "corner-pins-expire")]
    assert [v.rule for v in board.validate_request("postNotice", {"title": None})] == ["NoticeRequest.title.type"]
    assert [v.path for v in board.validate_request("postNotice", {"title": "t", "colours": ["a"], "counts": [1, 2]})] == ["/counts"]


def test_strategies_draw_null_at_nullable_positions(board) -> None:
    strategies = submodule(board, "strategies")
    seen: dict[str, set] = {"subtitle": set(), "pin": set(), "colours": set(), "corner": set()}

    @FEW
    @given(strategies.valid_request("postNotice"))
    def draw(body: dict) -> None:
        assert board.validate_request("postNotice", body) == []
        for key in ("subtitle", "pin", "colours"):
            if key in body:
                seen[key].add(body[key] is None)
        if isinstance(body.get("pin"), dict) and "corner" in body["pin"]:
            seen["corner"].add(body["pin"]["corner"] is None)

    draw()
    assert all(True in s for s in seen.values()), seen  # null drawn at every nullable position
    assert all(False in s for s in seen.values()), seen  # and values too


@pytest.mark.parametrize("rule", ["corner-pins-expire", "counts-match-colours"])
def test_near_misses_break_the_rule_with_values_not_null(board, rule: str) -> None:
    strategies = submodule(board, "strategies")

    @FEW
    @given(strategies.near_miss("postNotice", rule))
    def miss(m) -> None:
        assert [v.rule for v in board.validate_request("postNotice", m.body)] == [rule]
        assert board.validate_request("postNotice", m.original) == []

    miss()


def _not_nullable(tmp: Path) -> Path:
    """The spec with the request body's own fields not nullable (and its examples of null gone)."""
    doc = yaml.safe_load(SPEC.read_text())
    body = doc["components"]["schemas"]["NoticeRequest"]
    body["properties"]["pin"] = {"$ref": "#/components/schemas/Pin"}
    for name, t in (("subtitle", "string"), ("colours", "array"), ("counts", "array")):
        body["properties"][name]["type"] = t
    body["x-validations"][0]["examples"]["valid"] = [e for e in body["x-validations"][0]["examples"]["valid"] if None not in e.values()]
    del doc["paths"]["/notices"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    path = tmp / "strict.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def test_diff_judges_nullability_both_ways(tmp_path: Path) -> None:
    strict = _not_nullable(tmp_path)
    loosened = diff.run(str(strict), str(SPEC))
    for pointer in ("/subtitle", "/pin", "/colours"):
        change = next(c for c in loosened.changes if c.kind == "request-property-became-nullable" and c.pointer == f"postNotice request {pointer}")
        assert change.severity == "non-breaking"
    assert loosened.count("breaking") == 0, diff_report.text(loosened)
    tightened = diff.run(str(SPEC), str(strict))
    pin = next(c for c in tightened.changes if c.kind == "request-property-became-not-nullable" and c.pointer == "postNotice request /pin")
    assert pin.severity == "breaking"
    assert pin.counterexample is not None and pin.counterexample["accepted_by"] == "OLD" and pin.counterexample["body"]["pin"] is None


def test_downloads_are_named_by_the_outputs_values_made_safe(board, tmp_path: Path) -> None:
    base = submodule(board, "_client_base")
    client = submodule(board, "client")
    spec = client._JOB_PRINT
    assert spec.file_name == ("part.number", "part.tag")
    job = {"id": "j", "sheets": [
        {"kind": "image", "href": "https://x/0", "part": {"number": 0, "tag": "front page"}},
        {"kind": "image", "href": "https://x/1", "part": {"number": 1, "tag": "../../etc/passwd"}},
        {"kind": "image", "href": "https://x/2", "part": None},
        {"kind": "image", "href": "https://x/3", "part": {"number": 0, "tag": "front page"}},
    ]}
    names = [dest.name for _, dest in base.output_targets(job, spec, "j", tmp_path)]
    assert names == ["j-0-front_page", "j-1-etc_passwd", "j-2", "j-0-front_page-3"]
    assert all(dest.parent == tmp_path for _, dest in base.output_targets(job, spec, "j", tmp_path))


def test_cli_table_of_a_list_of_objects_escapes_server_text(board) -> None:
    from rich.console import Console

    cli_base = submodule(board, "_cli_base")
    console = Console(width=120, record=True)
    console.print(cli_base.rows_table("sheets", [{"kind": "[bold]x[/bold]", "part": {"number": 1, "tag": "a"}}, {"kind": "y"}]))
    text = console.export_text()
    assert "part.number" in text and "part.tag" in text and "[bold]x[/bold]" in text
