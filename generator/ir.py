"""The typed intermediate model between the spec and the templates.

Templates read only these frozen dataclasses (never the raw spec); every string they place
is computed in Python (``parse``, ``compile``, ``naming``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rule:
    """A named rule of the spec.

    ``kind`` is ``schema`` (a JSON Schema subschema carrying ``x-rule``) or ``cel`` (an
    ``x-validations`` entry, with its expression in ``cel``). ``owner`` is the component
    whose instances the rule and its examples apply to; ``pointer`` its JSON Pointer in the
    spec; ``at`` an optional relative pointer where violations are reported;
    ``subsumed_by`` the rules every body breaking this one also breaks (so no request can
    break it alone; ``genspec check`` verifies it on the invalid examples).
    """

    id: str
    message: str
    source: str
    implied: bool
    kind: str
    owner: str
    pointer: str
    at: str = ""
    cel: str | None = None
    valid_examples: tuple[Any, ...] = ()
    invalid_examples: tuple[Any, ...] = ()
    subsumed_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class Param:
    """A path, query or header parameter of an operation."""

    name: str
    py_name: str
    location: str
    required: bool
    description: str
    py_type: str
    schema: Any = None


@dataclass(frozen=True)
class Operation:
    """One operation: ``method`` (lower case) ``path`` with its parameters and body.

    ``group`` is the client attribute holding the method (``client.<group>.<method>``),
    ``body_schema`` the component name validating the request body (or None),
    ``response_schema`` the component of the 2xx response, ``statuses`` every declared status.
    """

    operation_id: str
    method: str
    path: str
    group: str
    py_method: str
    summary: str
    description: str
    params: tuple[Param, ...]
    body_schema: str | None
    body_required: bool
    response_schema: str | None
    success_status: int
    statuses: tuple[str, ...]
    body_examples: tuple[tuple[str, Any], ...] = ()
    errors_schema: str | None = None


@dataclass(frozen=True)
class BodyField:
    """A top-level property of a request body, as a keyword argument of the client."""

    name: str
    py_name: str
    required: bool
    py_type: str
    description: str
    schema: Any = None


@dataclass(frozen=True)
class Api:
    """Everything the templates need about one spec."""

    title: str
    version: str
    package: str
    cli_name: str
    server_url: str
    env_token: str
    env_base_url: str
    max_retries: int
    timeout: float
    spec_display: str
    spec_sha256: str
    operations: tuple[Operation, ...]
    schemas: tuple[str, ...]
    rules: tuple[Rule, ...]
    body_fields: dict[str, tuple[BodyField, ...]] = field(default_factory=dict)
    document: Any = None
