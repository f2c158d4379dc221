"""The JSON Schema 2020-12 keywords the compiler knows, by what it does with them.

``ANNOTATIONS`` carry no assertion (skipped by the validators), ``ASSERTIONS`` are compiled,
``UNSUPPORTED`` (draft 2019-09 only) are refused with a one-line problem; any other key is
ignored, as 2020-12 says, except a near miss of an assertion keyword (a typo, reported). Shared by :mod:`genspec.schema.compile` and
:mod:`genspec.schema.fastpath`.
"""

from __future__ import annotations

ANNOTATIONS = frozenset({
    "description", "title", "default", "examples", "example", "deprecated", "readOnly",
    "writeOnly", "contentEncoding", "contentMediaType", "contentSchema", "$comment",
    "discriminator", "xml", "externalDocs", "$id", "$schema", "$anchor", "nullable",
    "$defs", "definitions", "$dynamicAnchor", "$vocabulary",
})
ASSERTIONS = frozenset({
    "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "multipleOf", "minLength", "maxLength", "pattern", "format", "items", "minItems",
    "maxItems", "uniqueItems", "properties", "required", "additionalProperties",
    "dependentRequired", "dependentSchemas", "minProperties", "maxProperties", "allOf",
    "anyOf", "oneOf", "not", "if", "then", "else", "$ref", "$dynamicRef", "prefixItems",
    "contains", "minContains", "maxContains", "patternProperties", "propertyNames",
    "unevaluatedProperties", "unevaluatedItems",
})
UNSUPPORTED = frozenset({"$recursiveRef", "$recursiveAnchor"})
JSON_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")
#: formats the validators assert unless the spec says otherwise (``info.x-genspec.formats``)
DEFAULT_FORMATS = frozenset({"uuid", "uri", "date-time", "date", "email"})
