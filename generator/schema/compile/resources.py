"""Where a reference points: the schema resources of a spec (``$id``), their anchors
(``$anchor``, ``$dynamicAnchor``), JSON Pointers into them, and other local files.

No network, ever: a URI that is not the spec, one of its ``$id``\\ s, a local file (relative to
the spec), a folder mapped by the spec's ``info.x-genspec.schema-uris`` setting (URI prefix ->
local folder), or a JSON Schema meta-schema (from the ``jsonschema-specifications`` package,
when installed), does not resolve.

Every schema node is known by a *location*: its JSON Pointer in the spec (``/components/...``)
or, in another file, ``<file URI>#<pointer>``. :class:`Resources` maps locations to the base
URI their keywords are read against.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urlparse
from urllib.parse import urljoin as _urljoin

from genspec.load import loader
from genspec.load.errors import Reporter, SpecErrors
from genspec.load.loader import escape_pointer, unescape_pointer

#: keywords whose value is a schema / a list of schemas / a map of names to schemas
SCHEMA_KEYS = frozenset({
    "not", "if", "then", "else", "items", "additionalProperties", "contains", "propertyNames",
    "unevaluatedItems", "unevaluatedProperties", "contentSchema", "additionalItems",
})
SCHEMA_LIST_KEYS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
SCHEMA_MAP_KEYS = frozenset({"properties", "patternProperties", "$defs", "dependentSchemas", "definitions", "dependencies"})


@dataclass(frozen=True)
class Target:
    """A resolved reference: the schema, its location and the base URI of its keywords."""

    schema: Any
    loc: str
    base: str


def urljoin(base: str, ref: str) -> str:
    """RFC 3986: a reference read against a base URI, also for bases whose scheme ``urllib`` does not treat
    as hierarchical (``urn:``, ``tag:``, ``genspec:``): a fragment-only reference keeps the
    base, an absolute one replaces it."""
    if not base or urlparse(ref).scheme:
        return ref
    if ref.startswith("#") or not ref:
        return urldefrag(base)[0] + ref
    return _urljoin(base, ref)


class Unresolved(Exception):
    """A reference that does not resolve; the message says why (one line)."""


class Resources:
    """The resources of one spec document (``document`` with base URI ``base``).

    ``uri_map`` maps URI prefixes to local folder URIs (``file:///...``) to read them from.
    """

    def __init__(self, document: Any, base: str, uri_map: dict[str, str] | None = None):
        self.base = base
        self.uri_map = dict(uri_map or {})
        self.documents: dict[str, tuple[Any, str]] = {base: (document, "")}
        #: URI of another local file -> its loaded document (path as shown, lines)
        self.files: dict[str, loader.Document] = {}
        #: absolute URI (no fragment) of a resource -> its Target
        self.ids: dict[str, Target] = {}
        #: ``uri#name`` -> Target, for $anchor and $dynamicAnchor
        self.anchors: dict[str, Target] = {}
        #: ``(resource uri, name)`` of every $dynamicAnchor
        self.dynamic: dict[tuple[str, str], Target] = {}
        self.dynamic_bases: set[str] = set()
        #: location -> base URI of the keywords at that location
        self.base_of: dict[str, str] = {}
        self.has_dynamic_ref = False
        components = document.get("components") if isinstance(document, dict) else None
        schemas = components.get("schemas") if isinstance(components, dict) else None
        if isinstance(schemas, dict):
            for name, schema in schemas.items():
                self.index(schema, f"/components/schemas/{escape_pointer(str(name))}", base)

    def index(self, schema: Any, loc: str, base: str) -> None:
        """Record the resources and anchors of ``schema`` (at ``loc``, read against ``base``)."""
        if not isinstance(schema, dict):
            return
        sid = schema.get("$id")
        if isinstance(sid, str):
            base = urldefrag(urljoin(base, sid))[0]
            self.ids.setdefault(base, Target(schema, loc, base))
        self.base_of[loc] = base
        for key in ("$anchor", "$dynamicAnchor"):
            name = schema.get(key)
            if isinstance(name, str):
                self.anchors.setdefault(f"{base}#{name}", Target(schema, loc, base))
                if key == "$dynamicAnchor":
                    self.dynamic.setdefault((base, name), Target(schema, loc, base))
                    self.dynamic_bases.add(base)
        if "$dynamicRef" in schema:
            self.has_dynamic_ref = True
        for key, value in schema.items():
            if key in SCHEMA_KEYS:
                self.index(value, f"{loc}/{key}", base)
            elif key in SCHEMA_LIST_KEYS and isinstance(value, list):
                for i, sub in enumerate(value):
                    self.index(sub, f"{loc}/{key}/{i}", base)
            elif key in SCHEMA_MAP_KEYS and isinstance(value, dict):
                for name, sub in value.items():
                    self.index(sub, f"{loc}/{key}/{escape_pointer(str(name))}", base)

    # ------------------------------------------------------------ resolving
    def resolve(self, ref: str, base: str) -> Target:
        """The target of reference ``ref`` read against ``base``; raises :class:`Unresolved`."""
        uri = urljoin(base, ref)
        doc, fragment = urldefrag(uri)
        fragment = unquote(fragment)
        if fragment and not fragment.startswith("/"):
            found = self.anchors.get(f"{doc}#{fragment}")
            if found is None:
                self._document(doc)
                found = self.anchors.get(f"{doc}#{fragment}")
            if found is None:
                raise Unresolved(f"no $anchor {fragment!r} in {self._shown(doc)}")
            return found
        root = self.ids.get(doc)
        if root is None:
            data, prefix = self._document(doc)
            root = self.ids.get(doc) or Target(data, prefix, doc)
        return self._walk(root, fragment)

    def _walk(self, root: Target, pointer: str) -> Target:
        node, loc = root.schema, root.loc
        if pointer:
            for raw in pointer[1:].split("/"):
                token = unescape_pointer(raw)
                if isinstance(node, dict) and token in node:
                    node = node[token]
                elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                    node = node[int(token)]
                else:
                    raise Unresolved(f"the pointer {pointer!r} does not resolve in {self._shown(root.base)}")
                loc = f"{loc}/{escape_pointer(token)}"
        return Target(node, loc, self.base_of.get(loc, root.base))

    def _shown(self, uri: str) -> str:
        return "the spec" if uri == self.base else uri

    def _document(self, uri: str) -> tuple[Any, str]:
        """Load the document at ``uri`` (a local file, a mapped URI or a meta-schema) and index it."""
        if uri in self.documents:
            return self.documents[uri]
        data = self._read(uri)
        prefix = f"{uri}#"
        self.documents[uri] = (data, prefix)
        self.index(data, prefix, uri)
        self.ids.setdefault(uri, Target(data, prefix, uri))
        if isinstance(data, dict) and isinstance(data.get("components"), dict) and isinstance(data["components"].get("schemas"), dict):
            for name, schema in data["components"]["schemas"].items():
                self.index(schema, f"{prefix}/components/schemas/{escape_pointer(str(name))}", uri)
        return self.documents[uri]

    def _read(self, uri: str) -> Any:
        local = uri
        for prefix, folder in sorted(self.uri_map.items(), key=lambda kv: -len(kv[0])):
            if uri.startswith(prefix):
                local = folder + uri[len(prefix):]
                break
        parsed = urlparse(local)
        if parsed.scheme == "file":
            doc = _load_file(Path(unquote(parsed.path)))
            self.files[uri] = doc
            return doc.data
        meta = _meta_schema(uri)
        if meta is not None:
            return meta
        raise Unresolved(f"{uri} is neither the spec, one of its $id, a local file nor a mapped URI (genspec never reads the network)")


def _load_file(path: Path) -> loader.Document:
    if not path.is_file():
        raise Unresolved(f"there is no file {_display(path)}")
    try:
        return loader.load(_display_path(path))
    except SpecErrors as exc:
        first = exc.errors[0] if exc.errors else None
        raise Unresolved(f"cannot read {_display(path)}: {first.what if first else 'unreadable'}") from None


def _display_path(path: Path) -> Path:
    """``path`` relative to the working directory when below it."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def _display(path: Path) -> str:
    """``path`` as shown in a problem (see :func:`_display_path`), escaped for one line."""
    return str(_display_path(path)).encode("unicode_escape").decode("ascii")


class RoutedReporter:
    """A :class:`~genspec.load.errors.Reporter` for the compiler: a problem at a location in
    another file (``<file URI>#<pointer>``) is reported in that file, at its line."""

    def __init__(self, reporter: Any, resources: Resources):
        self.reporter = reporter
        self.resources = resources

    @property
    def errors(self) -> list:
        return self.reporter.errors

    def add(self, pointer: str, what: str, hint: str = "") -> None:
        """Record a problem at ``pointer`` (a spec pointer or another file's location)."""
        uri, sep, inner = pointer.partition("#")
        doc = self.resources.files.get(uri) if sep else None
        if doc is None:
            self.reporter.add(pointer, what, hint)
            return
        other = Reporter(doc.path, doc.lines)
        other.add(inner, what, hint)
        self.reporter.errors.extend(other.errors)


def _meta_schema(uri: str) -> Any:
    """A JSON Schema meta-schema (any draft) from ``jsonschema-specifications``, or None."""
    try:
        from jsonschema_specifications import REGISTRY
    except ImportError:  # pragma: no cover - installed with openapi-spec-validator
        return None
    try:
        return REGISTRY.contents(uri)
    except Exception:  # noqa: BLE001 - referencing raises its own lookup errors
        return None
