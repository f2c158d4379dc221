"""The whole-spec checks of meaning, in one pass: :mod:`genspec.check.lint` (values, merged
``allOf`` constraints, ``$ref`` cycles) and :mod:`genspec.check.lint_rules` (rules naming
absent properties or impossible values) over every schema of a document."""

from __future__ import annotations

from genspec.check import lint_rules
from genspec.check.lint import Lint
from genspec.load.errors import Reporter
from genspec.load.loader import Document


def run(doc: Document, reporter: Reporter) -> None:
    """Every check of meaning on ``doc``; problems go to ``reporter``."""
    lint = Lint(doc, reporter)
    try:
        for node, ptr in lint.schemas():
            lint.values(node, ptr)
            lint.merged(node, ptr)
            lint_rules.check(lint, node, ptr)
        lint.cycles()
    except RecursionError:
        reporter.add("", "a schema nests too deeply for genspec's checks", "flatten it with $ref")
