"""JSON Schema 2020-12 and CEL rules compiled to plain Python validator functions.

For every component schema the compiler emits two functions:

* ``_v_<Name>(x, p, out)`` appends a :class:`Violation`-like tuple for every problem of ``x``
  (whose JSON Pointer is ``p``) to the list ``out``;
* ``_ok_<Name>(x) -> bool`` answers only whether ``x`` is valid (used by ``if``, ``not``,
  ``anyOf``, ``oneOf`` and inside rules).

Anonymous subschemas needed as booleans get ``_okN`` functions. Keywords are checked inline,
guarded by the instance's JSON type, so no function raises on any JSON value.

A subschema carrying ``x-rule`` opens a *rule scope*: every failure inside it is reported as
that rule (its ``id`` and ``message``) at the JSON Pointer where it happened, or at the rule's
``at`` pointer. Failures outside any rule scope are reported as ``<Schema>.<property
path>.<keyword>``. ``x-validations`` entries (CEL) become ``_celN(self) -> bool`` functions.

Layout: :mod:`.code` (pointers, source, context), :mod:`.core` (entry functions, dispatch),
then one module per keyword family, each a mixin of :class:`Compiler`: :mod:`.types`,
:mod:`.numbers`, :mod:`.strings`, :mod:`.arrays`, :mod:`.objects`, :mod:`.applicators`,
:mod:`.references` (with :mod:`.resources`), :mod:`.unevaluated`, :mod:`.rules`;
patterns are ECMA-262, translated by :mod:`.ecma`. Modules import only :mod:`.code` and :mod:`.core` of this
package (never each other), so there is no import cycle. The renderer then runs each emitted
function through :mod:`genspec.schema.peephole`, which removes the repeated tests the keyword
families leave side by side.
"""

from __future__ import annotations

from genspec.schema.compile.applicators import ApplicatorsMixin
from genspec.schema.compile.arrays import ArraysMixin
from genspec.schema.compile.code import Code, Compiled, Ctx, Path
from genspec.schema.compile.core import CoreCompiler
from genspec.schema.compile.numbers import NumbersMixin
from genspec.schema.compile.objects import ObjectsMixin
from genspec.schema.compile.references import ReferencesMixin
from genspec.schema.compile.rules import RulesMixin
from genspec.schema.compile.strings import FORMATS, StringsMixin, _literal_prefix
from genspec.schema.compile.types import TypesMixin
from genspec.schema.compile.unevaluated import UnevaluatedMixin

__all__ = ["FORMATS", "Code", "Compiled", "Compiler", "Ctx", "Path", "_literal_prefix"]


class Compiler(
    TypesMixin,
    NumbersMixin,
    StringsMixin,
    ArraysMixin,
    ObjectsMixin,
    ApplicatorsMixin,
    ReferencesMixin,
    RulesMixin,
    UnevaluatedMixin,
    CoreCompiler,
):
    """Compiles the schemas of one document; problems go to ``reporter``.

    ``components`` maps component name -> (schema, JSON Pointer). Call :meth:`component` for
    each schema that needs entry functions, then read :attr:`result` (a :class:`Compiled`).
    """
