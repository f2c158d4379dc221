"""An invalid ``default`` is a warning, not an error (issue 13): JSON Schema 2020-12 makes
``default`` an annotation, so ``genspec check`` passes and says where, ``genspec generate``
writes the package, the generated validators neither apply the default nor accept it when it
is sent, and the models leave it out. An invalid ``example`` stays an error.
"""

from __future__ import annotations

import re
from pathlib import Path

from genhelp import genspec, import_package, submodule
from pydantic import MISSING

#: a spec of our own whose defaults all contradict their schemas, each a different way
ORCHARD = """\
openapi: 3.1.0
info: {title: Orchard, version: 1.0.0, x-genspec: {package: orchard_gen}}
servers: [{url: 'https://orchard.example.com'}]
paths:
  /trees:
    post:
      operationId: plantTree
      parameters:
        - {name: depth, in: query, schema: {type: integer, minimum: 1, default: 0}}
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Tree'}}}
      responses:
        '201':
          description: planted
          content: {application/json: {schema: {$ref: '#/components/schemas/Tree'}}}
components:
  schemas:
    Fruit: {type: string, enum: [apple, pear], default: plum}
    Stake: {type: object, properties: {height: {type: integer}}, default: {height: tall}}
    Tree:
      type: object
      required: [name]
      properties:
        name: {type: string}
        rows: {type: integer, default: ten}
        fruit: {$ref: '#/components/schemas/Fruit'}
        stake: {$ref: '#/components/schemas/Stake'}
        tags: {type: array, items: {type: string}, default: none}
        size: {type: string, enum: [small, large], default: huge}
"""

#: (line, the default as shown) of every default above
WARNED = [(9, "0"), (19, "'plum'"), (20, '{"height": "tall"}'), (26, "'ten'"), (29, "'none'"), (30, "'huge'")]


def _warnings(stderr: str, spec: Path) -> list[tuple[int, str]]:
    pattern = re.compile(rf"^{re.escape(str(spec))}:(\d+): warning: default (.+?) is rejected by its schema: .+ \(fix the default or the schema; .+\)$")
    return [(int(m[1]), m[2]) for line in stderr.splitlines() if (m := pattern.match(line))]


def test_check_passes_and_warns_once_per_invalid_default(tmp_path: Path) -> None:
    spec = tmp_path / "orchard.yaml"
    spec.write_text(ORCHARD)
    proc = genspec("check", str(spec))
    assert proc.returncode == 0, proc.stderr
    assert f"{spec}: ok, {len(WARNED)} warnings (" in proc.stdout
    assert _warnings(proc.stderr, spec) == WARNED
    assert len(proc.stderr.strip().splitlines()) == len(WARNED)  # nothing else: not the meta-schema's error either


def test_generate_writes_the_package_and_its_validators_treat_default_as_an_annotation(tmp_path: Path) -> None:
    spec = tmp_path / "orchard.yaml"
    spec.write_text(ORCHARD)
    out = tmp_path / "out"
    proc = genspec("generate", "--spec", str(spec), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert _warnings(proc.stderr, spec) == WARNED
    package = import_package(out / "orchard_gen")
    # not applied: a body that leaves the fields out is valid; not accepted when sent
    assert package.validate_request("plantTree", {"name": "oak"}) == []
    sent = {"name": "oak", "rows": "ten", "fruit": "plum", "tags": "none", "size": "huge", "stake": {"height": "tall"}}
    assert sorted(v.path for v in package.validate_request("plantTree", sent)) == ["/fruit", "/rows", "/size", "/stake/height", "/tags"]
    # the models leave the invalid defaults out: a response without the fields parses, and
    # they read as absent rather than as a value the schema forbids
    models = submodule(package, "models")
    tree = models.Tree.model_validate({"name": "oak"})
    assert all(getattr(tree, name) is MISSING for name in ("rows", "fruit", "stake", "tags", "size"))


def test_an_invalid_example_is_still_an_error(tmp_path: Path) -> None:
    spec = tmp_path / "orchard.yaml"
    spec.write_text(ORCHARD.replace("default: ten", "examples: [ten]"))
    proc = genspec("check", str(spec))
    assert proc.returncode == 1
    assert f"{spec}:26: example 'ten' is rejected by its schema" in proc.stderr
