"""Verdicts of the installed luma_gen's validators on a fixed set of values, as one JSON file:
`.ci/wheels` runs it against the compiled build and the pure-Python build and compares.

    python same_verdicts.py OUT.json compiled|pure

Values: every rule's valid and invalid examples (against the rule's schema) and, for each
example, every member (and every member of a member object) deleted or replaced by null, 0,
1.5, NaN, "", "x", [], {}, true and near misses of uuid and uri, and one unknown member added. Fails when the validators module is not of the kind asked.
"""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import luma_gen.validators as validators
from luma_gen import validate_schema
from luma_gen.rules import RULES

_DELETE = object()
REPLACEMENTS = [
    _DELETE, None, 0, 1.5, math.nan, "", "x", [], {}, True,
    # near misses of the formats the compiled build checks byte by byte (uuid, uri)
    "0b0c9f3e-2d0a-4a8e-9a51-3f1f6b1f2c1g", "0B0C9F3E-2D0A-4A8E-9A51-3F1F6B1F2C11", "0b0c9f3e+2d0a-4a8e-9a51-3f1f6b1f2c11",
    "0b0c9f3e-2d0a-4a8e-9a51-3f1f6b1f2c1\u00e9", "https://example.com/a b", "urn:x", "a+b.c-d:", "1http://x", "h\u00e9:x", "https:\u00e9\u2003",
]


def _variants(value: Any) -> list[Any]:
    out = [value]
    if not isinstance(value, dict):
        return out
    for key, member in value.items():
        for new in REPLACEMENTS:
            changed = {k: v for k, v in value.items() if k != key}
            if new is not _DELETE:
                changed[key] = new
            out.append(changed)
        if isinstance(member, dict):
            out += [{**value, key: inner} for inner in _variants(member)[1:]]
    out.append({**value, "zz_undeclared": 1})  # a closed object's unknown member
    return out


def main() -> int:
    out_path, kind = sys.argv[1], sys.argv[2]
    compiled = not validators.__file__.endswith(".py")
    if compiled != (kind == "compiled"):
        sys.exit(f"luma_gen.validators is {'compiled' if compiled else 'pure Python'} ({validators.__file__}), expected {kind}")
    verdicts = []
    for rule_id in sorted(RULES):
        rule = RULES[rule_id]
        for example in (*rule.valid_examples, *rule.invalid_examples):
            for value in _variants(example):
                # the boolean pass too: a too strict one is hidden by the collecting pass after it
                ok = validators._SCHEMAS[rule.schema][1](value)
                verdicts.append([rule.schema, ok, [[v.path, v.rule, v.message] for v in validate_schema(rule.schema, value)]])
    with open(out_path, "w") as f:
        json.dump(verdicts, f)
    print(f"   {kind}: {len(verdicts)} values, {sum(1 for _, _, v in verdicts if v)} invalid ({validators.__file__.rsplit('/', 1)[-1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
