"""Every identifier the generator emits is computed here: one place for naming rules."""

from __future__ import annotations

import keyword
import re

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


def words(name: str) -> list[str]:
    """Split camelCase, PascalCase, snake_case, kebab-case and dotted names into words."""
    return [w.lower() for w in _WORD.findall(re.sub(r"[^0-9A-Za-z]+", " ", name))]


def snake(name: str) -> str:
    """``createGeneration`` -> ``create_generation``; never a keyword, never starts with a digit."""
    out = "_".join(words(name)) or "_"
    if out[0].isdigit():
        out = "_" + out
    if keyword.iskeyword(out) or out in {"self", "client", "validate"}:
        out += "_"
    return out


def pascal(name: str) -> str:
    """``line-item options`` -> ``LineItemOptions``."""
    out = "".join(w.capitalize() for w in words(name)) or "Model"
    if out[0].isdigit():
        out = "_" + out
    return out + "_" if keyword.iskeyword(out) else out


def schema_function_suffix(name: str) -> str:
    """A Python identifier part for a schema name (keeps case, replaces other characters)."""
    out = re.sub(r"[^0-9A-Za-z_]", "_", name)
    return out if out and not out[0].isdigit() else "_" + out


def cli_flag(name: str) -> str:
    """``gift_wrap`` -> ``--gift-wrap``; dotted paths keep their dots."""
    return "--" + name.replace("_", "-")
