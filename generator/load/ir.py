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
    """A path, query, header or cookie parameter of an operation.

    ``style``/``explode`` are OpenAPI's serialization (defaults per location: ``simple`` for
    path and header, ``form`` for query and cookie; ``explode`` true for ``form``);
    ``kind`` the JSON type of its schema (``string integer number boolean array object any``).
    """

    name: str
    py_name: str
    location: str
    required: bool
    description: str
    py_type: str
    schema: Any = None
    style: str = ""
    explode: bool = False
    kind: str = "string"
    item_kind: str = "string"
    choices: tuple[str, ...] = ()


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
    #: how the credential is sent, from the operation's (or the spec's) ``security``: one
    #: ``(kind, where, name)`` per scheme of the first requirement, ``kind`` one of ``bearer``
    #: ``basic`` ``apikey``; ``where`` header, query or cookie; empty for an open operation
    auth: tuple[tuple[str, str, str], ...] = ()
    #: the ``Accept`` header (the media types the operation's responses declare) and how the
    #: success body is read: ``json``, ``text`` or ``binary``
    accept: str = "application/json"
    response_kind: str = "json"
    #: the request body is not an object of properties: the method takes it whole as ``body``
    body_whole: bool = False
    #: headers the success response declares (the caller reads them from ``last_response``)
    response_headers: tuple[str, ...] = ()
    #: the component of the items when the success response is an array of one ($ref) schema
    response_items: str | None = None
    #: the operation's (or its path's) own server URL, variables at their defaults; "" if none
    server: str = ""
    body_py_type: str = "Any"
    #: the media type the request body is sent as, and its JSON Pointer in the spec
    body_media: str = "application/json"
    body_media_ptr: str = ""
    #: every media type the request body may be sent as, when there are several
    body_medias: tuple[str, ...] = ()


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
    #: the generated package's distribution name (``info.x-genspec.distribution``, default the
    #: package name with ``-`` for ``_``) and one-line summary (``info.summary`` or the title)
    distribution: str = ""
    summary: str = ""
    jobs: tuple["Job", ...] = ()
    typedefs: tuple["TypeDef", ...] = ()
    file_refs: dict[str, tuple["FileRef", ...]] = field(default_factory=dict)
    cli_options: dict[str, tuple["CliOption", ...]] = field(default_factory=dict)
    #: keyset-paginated list operations (``info.x-genspec.pages``)
    pages: tuple["Pages", ...] = ()
    #: send-a-local-file conveniences over a create and a complete operation
    #: (``info.x-genspec.transfers``)
    transfers: tuple["Transfer", ...] = ()


@dataclass(frozen=True)
class Pages:
    """A keyset-paginated list operation (``info.x-genspec.pages``): the query parameter
    ``cursor`` (Python name ``cursor_py``) takes the cursor, the response's ``items`` holds the
    page's items (their model ``item_schema``), ``more`` whether another page follows (may be
    "") and ``next`` the cursor of the next page."""

    operation: str
    cursor: str
    cursor_py: str
    items: str
    item_schema: str
    more: str
    next: str


@dataclass(frozen=True)
class Transfer:
    """A convenience sending a local file (``info.x-genspec.transfers``): ``create`` takes the
    bytes either inline (its ``inline_media`` body, schema ``inline_schema``, binary part
    ``part``, at most ``inline_max`` bytes) or presigned (its JSON body's ``size`` and ``mime``
    fields; the answer's ``target`` object holds ``url`` and ``headers`` of the PUT), after
    which ``complete`` is called. ``job`` names the job that waits for the result; ``shared``
    lists the body fields both modes take (name, Python name, Python type)."""

    method: str
    group: str
    create: str
    complete: str
    job: str
    part: str
    inline_media: str
    inline_max: int
    size: str
    mime: str
    filename: str
    target: str
    url: str
    headers: str
    inline_schema: str = ""
    shared: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Job:
    """A long-running job declared in ``info.x-genspec.jobs``: ``start`` creates it, ``poll``
    reads it; ``state`` is the response property holding its state, ``succeeded``/``failed``
    the final states, ``code``/``reason`` the failure properties, ``outputs``/``url``/``kind``
    where its output files are listed, ``file_name`` what names a downloaded one. ``cls`` is the PascalCase name used for the error
    class (``<cls>FailedError``); ``group`` the client attribute of the poll operation."""

    name: str
    cls: str
    start: str
    poll: str
    group: str
    start_method: str
    poll_method: str
    poll_param: str
    id: str
    state: str
    succeeded: tuple[str, ...]
    failed: tuple[str, ...]
    code: str
    reason: str
    outputs: str
    url: str
    kind: str
    #: dotted paths into an output whose values, where present, name its downloaded file
    file_name: tuple[str, ...] = ()


@dataclass(frozen=True)
class FileRef:
    """A position in a request body that takes a file reference (``x-genspec-file``).

    ``path`` is the property path from the body, ``"[]"`` standing for any array index;
    ``data``/``mime``/``url``/``id`` name the properties to fill (base64 content, its MIME
    type, a URL, an id).
    """

    path: tuple[str, ...]
    data: str
    mime: str
    url: str
    id: str = ""
    #: the property naming an object sent beforehand (``x-genspec.transfers``): the CLI's
    #: option named after the transfer (``--<name>``) sends ``@path`` there instead of inline
    stored: str = ""


@dataclass(frozen=True)
class TypeDef:
    """A type emitted into ``types.py``: a TypedDict (``fields``: key, python type, required,
    description) or a Literal alias (``values``)."""

    name: str
    kind: str
    description: str
    fields: tuple[tuple[str, str, bool, str], ...] = ()
    values: tuple[Any, ...] = ()


@dataclass(frozen=True)
class CliOption:
    """One option of a generated CLI command.

    ``flags`` e.g. ``("--shipping.address",)``; ``dest`` the Python parameter name; ``path`` the
    property path in the body; ``kind`` one of ``str int float bool choice value values file``
    (``value``: JSON or YAML text; ``values``: the same for repeatable items that are never
    lists, where a list given stands for its items); ``multiple`` for repeatable options (arrays);
    ``choices`` for enums.
    """

    flags: tuple[str, ...]
    dest: str
    path: tuple[str, ...]
    kind: str
    multiple: bool
    required: bool
    help: str
    choices: tuple[str, ...] = ()
