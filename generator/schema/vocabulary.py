"""The JSON Schema 2020-12 keywords the compiler knows, by what it does with them.

``ANNOTATIONS`` carry no assertion (skipped by the validators), ``ASSERTIONS`` are compiled,
``UNSUPPORTED`` are refused with a one-line problem; any other key that is not an ``x-``
extension is reported as unknown. Shared by :mod:`genspec.schema.compile` and
:mod:`genspec.schema.fastpath`.
"""

from __future__ import annotations

ANNOTATIONS = frozenset({
    "description", "title", "default", "examples", "example", "deprecated", "readOnly",
    "writeOnly", "contentEncoding", "contentMediaType", "contentSchema", "$comment",
    "discriminator", "xml", "externalDocs", "$id", "$schema", "$anchor", "nullable",
})
ASSERTIONS = frozenset({
    "type", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "multipleOf", "minLength", "maxLength", "pattern", "format", "items", "minItems",
    "maxItems", "uniqueItems", "properties", "required", "additionalProperties",
    "dependentRequired", "dependentSchemas", "minProperties", "maxProperties", "allOf",
    "anyOf", "oneOf", "not", "if", "then", "else", "$ref",
})
UNSUPPORTED = frozenset({
    "prefixItems", "contains", "minContains", "maxContains", "patternProperties",
    "propertyNames", "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$defs",
    "$recursiveRef", "dependencies",
})
JSON_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")
