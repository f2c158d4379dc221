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
* :data:`STATE_RULES`: rules on the state of the generation a ``generation_id`` names, which
  no schema can state: it must be ``completed`` and of the output kind the position takes
  (emulator/README.md, "Chaining"). Schemathesis's stateful phase chains every id it gets
  into every ``generation_id``, e.g. a video into an ``image_edit`` source, or a job still
  ``queued``.

:func:`filter_failure` drops exactly the ST202 failures whose 400 names such rules and
nothing else; a 400 naming any other rule, and every other failure, still fails the run.
Schemathesis lists the dropped failures in its output.
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
#: the emulator's rules on a referenced generation's state (emulator/jobs.py RULE_COMPLETED,
#: RULE_KIND; tests/test_external_tools.py keeps the two in step)
STATE_RULES = frozenset({"generation-id-completed", "generation-id-kind"})


def _rules_named(response: Any) -> set[str]:
    """The rule ids of the violations in a 400 ``Error`` body (empty set if none or not JSON)."""
    try:
        violations = response.json()["error"]["violations"]
        return {v["rule"] for v in violations}
    except (ValueError, KeyError, TypeError):
        return set()


@schemathesis.hook
def filter_failure(ctx: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure except a rejected schema-valid body whose 400 names only CEL rules
    and rules on a referenced generation's state."""
    if failure.code != "ST202" or response.status_code != 400:
        return True
    rules = _rules_named(response)
    return not (rules and rules <= CEL_RULES | STATE_RULES)
