"""Which request bodies tell two specs apart, and what their validators say about them.

For every operation both specs give a request body, :func:`judge_requests` draws candidate
bodies from both specs (their request and rule examples, samples of their schemas, see
:mod:`generator.bodies`) and, when genspec generates Hypothesis strategies
(``strategies.py`` in :data:`generator.render.FILES`), valid bodies drawn from OLD's
strategies; it runs them through both compiled validators and keeps, per rule, the smallest
body one accepts and the other rejects.
"""

from __future__ import annotations

from typing import Any

from genspec.evolve import bodies
from genspec.evolve.bodies import Behaviour
from genspec.model import contract

#: valid bodies drawn from OLD's generated strategies per operation (when they exist)
STRATEGY_DRAWS = 100


def request_seeds(checked: Any, operation_id: str) -> list[Any]:
    """The request bodies a spec itself offers for an operation: its request examples and the
    examples of the rules of its body schema."""
    op = next((o for o in checked.api.operations if o.operation_id == operation_id), None)
    if op is None:
        return []
    out = [value for _, value in op.body_examples]
    for rule in checked.api.rules:
        if rule.owner == op.body_schema:
            out += list(rule.valid_examples) + list(rule.invalid_examples)
    return out


def request_schema(checked: Any, operation_id: str) -> Any:
    """The raw JSON Schema of an operation's request body in its document (None if none)."""
    op = next((o for o in checked.api.operations if o.operation_id == operation_id), None)
    if op is None or op.body_schema is None:
        return None
    raw = ((checked.doc.data.get("paths") or {}).get(op.path) or {}).get(op.method) or {}
    found = contract._json_schema(checked.doc.data, raw.get("requestBody"), "")
    return found[0] if found else None


def judge_requests(old: Any, new: Any) -> list[Behaviour]:
    """Behaviour of every operation both specs give a request body: bodies drawn from both
    specs' schemas and examples, run through both specs' validators."""
    out = []
    new_ops = {o.operation_id for o in new.api.operations if o.body_schema}
    for op in old.api.operations:
        if not op.body_schema or op.operation_id not in new_ops:
            continue
        op_id = op.operation_id
        samplers = [(bodies.Sampler(c.doc.data), request_schema(c, op_id)) for c in (old, new)]
        seeds = request_seeds(old, op_id) + request_seeds(new, op_id)
        found = bodies.candidates([(s, schema) for s, schema in samplers if schema is not None], seeds, extra=strategy_bodies(old, op_id))
        out.append(bodies.judge(op_id, found, lambda b, v=old.validators: v.validate_request(op_id, b), lambda b, v=new.validators: v.validate_request(op_id, b)))
    return out


def strategy_bodies(checked: Any, operation_id: str, n: int = STRATEGY_DRAWS) -> list[Any]:
    """Up to ``n`` valid request bodies drawn (derandomized) from the spec's generated
    Hypothesis strategies; [] when genspec generates none or Hypothesis is not installed."""
    from genspec.render import render

    if "strategies.py" not in render.FILES:
        return []
    try:
        module = _load_generated(checked, "strategies")
    except Exception:  # strategies that do not render or import here
        return []
    return draw(module, operation_id, n)


def draw(module: Any, operation_id: str, n: int = STRATEGY_DRAWS) -> list[Any]:
    """Up to ``n`` bodies drawn, derandomized, from ``module.valid_request(operation_id)`` of a
    generated strategies module; [] when it has none or Hypothesis is not installed."""
    try:
        from hypothesis import HealthCheck, Phase, given, settings

        strategy = module.valid_request(operation_id)
    except Exception:  # strategies of another shape, or none for this operation
        return []
    drawn: list[Any] = []

    @settings(max_examples=n, derandomize=True, database=None, deadline=None, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(body: Any) -> None:
        drawn.append(body)

    try:
        collect()
    except Exception:  # a strategy that cannot satisfy its filters: keep what was drawn
        return drawn
    return drawn


_JUDGE_PACKAGES: dict[str, str] = {}


def _load_generated(checked: Any, module: str) -> Any:
    """Render ``module`` of the package of ``checked`` with the private modules and validators
    it may import (unformatted) into a private folder and import it, the way
    :func:`generator.check.load_validators` does for validators."""
    import importlib

    from genspec.render import render

    wanted = tuple(n for n in render.FILES if n.startswith("_") and n not in ("__init__.py", "_manifest.py")) + ("validators.py", f"{module}.py")
    key = f"{checked.doc.sha256}:{module}"
    if key not in _JUDGE_PACKAGES:
        _JUDGE_PACKAGES[key] = render.import_rendered(checked.api, checked.compiled, wanted, "judge").__name__
    name = _JUDGE_PACKAGES[key]
    return importlib.import_module(f"{name}.{module}")
