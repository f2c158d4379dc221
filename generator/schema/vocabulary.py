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
#: assertions that apply to values of one JSON type and accept every other value (so null)
TYPE_SPECIFIC = frozenset({
    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength",
    "maxLength", "pattern", "format", "items", "prefixItems", "contains", "minContains",
    "maxContains", "minItems", "maxItems", "uniqueItems", "properties", "patternProperties",
    "additionalProperties", "required", "dependentRequired", "dependentSchemas",
    "propertyNames", "minProperties", "maxProperties",
})
JSON_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")
#: formats the validators can assert, each when the spec lists it in
#: ``info.x-genspec.assert-formats`` (every other format is an annotation, as 2020-12 says)
ASSERTABLE_FORMATS = frozenset({
    "date", "date-time", "time", "duration", "email", "hostname", "ipv4", "ipv6", "uri",
    "uri-reference", "uuid", "json-pointer", "relative-json-pointer", "regex",
})
#: formats asserted when the spec does not say (none: 2020-12 makes format an annotation)
DEFAULT_FORMATS: frozenset[str] = frozenset()
#: the 2020-12 validation vocabulary and its keywords (dropped in a resource whose meta-schema's
#: ``$vocabulary`` leaves it out); the format-assertion vocabulary (asserts every format)
VALIDATION_VOCABULARY = "https://json-schema.org/draft/2020-12/vocab/validation"
FORMAT_ASSERTION_VOCABULARY = "https://json-schema.org/draft/2020-12/vocab/format-assertion"
VALIDATION_KEYWORDS = frozenset({
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "maxContains", "minContains", "maxProperties", "minProperties", "required",
    "dependentRequired",
})
