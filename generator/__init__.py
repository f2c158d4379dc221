"""genspec: an OpenAPI 3.1 spec in, models, validators, client, CLI and strategies out.

Stages (see ARCHITECTURE.md): ``loader`` (YAML with line numbers) -> ``parse`` (spec to the
typed intermediate model of ``ir``) -> ``compile`` and ``cel`` (rules to Python) ->
``render`` (one Jinja environment, ruff format, atomic write). ``check`` runs every stage in memory
and reports problems; ``cli`` is the ``genspec`` command.
"""

__version__ = "0.1.0"
