"""Schemathesis hooks for the run against the emulator in ``.ci/external``
(``SCHEMATHESIS_HOOKS=.ci/schemathesis_hooks.py``).

Schemathesis's "schema-valid request rejected" check (ST202, positive_data_acceptance)
expects a body valid against the JSON Schema to get 2xx (or 401/403/404/409/429/5xx). Two
kinds of rules make a 400 right for such a body, by the spec ("400: the request broke a
rule; every violation is listed"), and schemathesis cannot know either:

* the spec's ``x-validations``: rules JSON Schema cannot say, written in CEL (e.g. "as many
  ``keyframe_indexes`` as ``keyframes``"); schemathesis reads JSON Schema only. Their ids are
  read from the spec itself, not from the generated package, so the judge is independent of
  the code under test;
* :data:`STATE_RULES`: rules on server state, which no schema can state: the generation a
  ``generation_id`` names must be ``completed`` and of the output kind the position takes
  (emulator/README.md, "Chaining"); the file a ``file_id`` names must be ``ready`` and hold
  media that fits the position; a file can be completed only after its bytes were PUT; a
  ``cursor`` must be one the server gave. Schemathesis's stateful phase chains every id it
  gets into every ``generation_id`` and ``file_id``, e.g. a video into an ``image_edit``
  source, a job still ``queued`` or a file still ``pending``, and draws cursors at random.

Two more disagreements are schemathesis's, not the emulator's:

* ST301 (a deleted resource still answers): the Files API's delete is documented as a soft
  delete (sdk-0.5.0.md: 204, then the file reads ``state: deleted`` with ``deleted_at``); a
  read that answers such a file is right;
* ST201 on a ``multipart/form-data`` body: a form field carries text only, so a negative case
  that changes a field's JSON type (a ``null``, a number for a string) arrives as text the
  schema accepts (``null`` is then the string ``null``); in the stateful phase schemathesis
  also reports such a case as "positive test case". Real multipart refusals (no ``file``
  part, over the inline cap) are tested in tests/test_emulator_files.py.

:func:`filter_failure` drops exactly those failures; a 400 naming any other rule, and every
other failure, still fails the run. Schemathesis lists the dropped failures in its output.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
import yaml

SPEC = Path(__file__).resolve().parent.parent / "spec" / "generations.yaml"


def cel_rule_ids(node: Any) -> frozenset[str]:
    """The ``id`` of every entry of every ``x-validations`` list under ``node`` (the spec)."""
    found: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "x-validations" and isinstance(value, list):
                    found.update(rule["id"] for rule in value if isinstance(rule, dict) and "id" in rule)
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return frozenset(found)


CEL_RULES = cel_rule_ids(yaml.safe_load(SPEC.read_text(encoding="utf-8")))
#: the emulator's rules on server state (emulator/jobs.py RULE_COMPLETED, RULE_KIND;
#: emulator/files.py RULE_READY, RULE_KIND, RULE_UPLOADED, RULE_CURSOR;
#: tests/test_external_tools.py keeps them in step)
STATE_RULES = frozenset({"generation-id-completed", "generation-id-kind", "file-id-ready", "file-id-kind", "file-upload-received", "cursor"})


def _rules_named(response: Any) -> set[str]:
    """The rule ids of the violations in a 400 ``Error`` body (empty set if none or not JSON)."""
    try:
        violations = response.json()["error"]["violations"]
        return {v["rule"] for v in violations}
    except (ValueError, KeyError, TypeError):
        return set()


def _soft_deleted(response: Any) -> bool:
    """Whether a 200 answers a soft-deleted file (``state: deleted``)."""
    try:
        return response.status_code == 200 and response.json().get("state") == "deleted"
    except (ValueError, AttributeError):
        return False


def _multipart(case: Any) -> bool:
    """Whether ``case`` sends a ``multipart/form-data`` body (whose fields are text)."""
    return str(getattr(case, "media_type", "") or "").startswith("multipart/form-data")


@schemathesis.hook
def filter_failure(ctx: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure except: a rejected schema-valid body whose 400 names only CEL rules
    and rules on server state; a soft-deleted file that still reads (ST301); a multipart body
    whose mutated JSON types schemathesis sent as text (ST201)."""
    if failure.code == "ST301":
        return not _soft_deleted(response)
    if failure.code == "ST201":
        return not _multipart(case)
    if failure.code != "ST202" or response.status_code != 400:
        return True
    rules = _rules_named(response)
    return not (rules and rules <= CEL_RULES | STATE_RULES)
