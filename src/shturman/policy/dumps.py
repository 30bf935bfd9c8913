"""Object dumps: when a cluster or container tool prints whole objects that carry secrets.

`kubectl get pod -o yaml` prints the pod spec, every container's `env` values with it;
`kubectl get configmap -o json` prints its `data`; `helm get values` prints a release's
values (where charts take passwords); `crictl inspect` prints the container's config with
its `envs`. The same tools with a narrow output (`-o wide`, `-o name`,
`-o jsonpath='{.items[*].status.phase}'`) print nothing of the kind. A template or a path
list is parsed into the fields it prints: it is narrow only when none of them holds an
environment, secret data or a whole object that contains them (`spec`, `containers`,
`metadata` with its `last-applied-configuration` annotation, `.` itself).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# kinds whose full object holds no environment, secret data or credentials
_PLAIN_KINDS = frozenset(
    [
        "node",
        "nodes",
        "no",
        "namespace",
        "namespaces",
        "ns",
        "service",
        "services",
        "svc",
        "endpoints",
        "ep",
        "endpointslice",
        "endpointslices",
        "ingress",
        "ingresses",
        "ing",
        "ingressclass",
        "ingressclasses",
        "event",
        "events",
        "ev",
        "persistentvolumeclaim",
        "persistentvolumeclaims",
        "pvc",
        "persistentvolume",
        "persistentvolumes",
        "pv",
        "storageclass",
        "storageclasses",
        "sc",
        "horizontalpodautoscaler",
        "horizontalpodautoscalers",
        "hpa",
        "poddisruptionbudget",
        "poddisruptionbudgets",
        "pdb",
        "networkpolicy",
        "networkpolicies",
        "netpol",
        "resourcequota",
        "resourcequotas",
        "quota",
        "limitrange",
        "limitranges",
        "limits",
        "priorityclass",
        "priorityclasses",
        "pc",
        "lease",
        "leases",
        "role",
        "roles",
        "rolebinding",
        "rolebindings",
        "clusterrole",
        "clusterroles",
        "clusterrolebinding",
        "clusterrolebindings",
        "componentstatus",
        "componentstatuses",
        "cs",
        "customresourcedefinition",
        "customresourcedefinitions",
        "crd",
        "crds",
        "csidriver",
        "csidrivers",
        "csinode",
        "csinodes",
        "volumeattachment",
        "volumeattachments",
        "runtimeclass",
        "runtimeclasses",
        "apiservice",
        "apiservices",
    ]
)
# kinds that list nothing but what they name (config maps print their data in describe)
DESCRIBE_REVEALS = frozenset(["configmap", "configmaps", "cm"])
# fields that hold environments or secret data, wherever they appear in a path
_SENSITIVE = re.compile(
    r"env|^(data|stringdata|binarydata|annotations|value|values|config|manifest)$"
    r"|secret|password|token|last-applied",
    re.I,
)
# fields that hold whole objects (printing one prints the sensitive fields inside it)
_WHOLE = frozenset(
    [
        "",
        "*",
        "@",
        "$",
        "items",
        "spec",
        "template",
        "jobtemplate",
        "metadata",
        "containers",
        "initcontainers",
        "ephemeralcontainers",
        "info",
        "runtimespec",
        "process",
    ]
)
# formats that print whole objects
_FULL = frozenset(["yaml", "json", "jsonpath-file", "go-template-file", "custom-columns-file"])
_NARROW_OK = frozenset(["wide", "name", "", "table"])


def kube_kind_plain(kind: str) -> bool:
    """`pods`, `deploy/api`, `deployments.apps`: True for kinds without secrets inside."""
    base = kind.lower().split("/", 1)[0].split(".", 1)[0]
    return base in _PLAIN_KINDS


def kube_output_reveals(formats: Sequence[str], templates: Sequence[str]) -> bool:
    """Does `-o FORMAT` (`--template T`) print fields that hold environments or secrets?"""
    for fmt in formats:
        name, _, body = fmt.lstrip("=").partition("=")
        name = name.lower()
        if name in _NARROW_OK:
            continue
        if name in _FULL:
            return True
        if name in ("jsonpath", "jsonpath-as-json"):
            bodies = [body] if body else list(templates)
            if not bodies or any(jsonpath_reveals(b) for b in bodies):
                return True
        elif name in ("go-template", "template"):
            bodies = [body] if body else list(templates)
            if not bodies or any(go_template_reveals(b) for b in bodies):
                return True
        elif name == "custom-columns":
            if any(_path_reveals(col.partition(":")[2]) for col in body.split(",")):
                return True
        else:
            return True  # a format this module does not know
    return False


# ---- JSONPath ------------------------------------------------------------------------------
_FILTER = re.compile(r"\[\?\(.*?\)\]")
_BRACKET_NAME = re.compile(r"\[\s*'((?:\\.|[^'\\])*)'\s*\]|\[\s*\"((?:\\.|[^\"\\])*)\"\s*\]")
_INDEX = re.compile(r"\[[^\]]*\]")
_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'')


def jsonpath_reveals(expr: str) -> bool:
    """kubectl JSONPath (`{range .items[*]}{.metadata.name}{"\\n"}{end}`): True when a
    printed path reaches an environment, secret data or a whole object."""
    expr = _FILTER.sub("[*]", expr)  # a filter compares, it prints nothing
    if expr.count("{") != expr.count("}"):
        return True
    actions = re.findall(r"\{([^{}]*)\}", expr) if "{" in expr else [expr]
    for action in actions:
        body = action.strip()
        if not body or body == "end" or _STRING.fullmatch(body):
            continue
        if body.startswith("range "):
            if _path_sensitive(body[6:]):
                return True
            continue
        if _path_reveals(body):
            return True
    return False


def _fields(path: str) -> list[str] | None:
    path = path.strip()
    if not path or any(c in path for c in "(){}|,;"):
        return None  # a function, a union or something this parser does not read
    path = _BRACKET_NAME.sub(lambda m: "." + (m.group(1) or m.group(2) or ""), path)
    path = _INDEX.sub("", path)
    if path in ("@", "$", "."):
        return [""]
    if path.startswith(("$", "@")):
        path = path[1:]
    if not path.startswith("."):
        path = "." + path  # kubectl relaxes `items[*].x` into `{.items[*].x}`
    return path[1:].split(".")


def _path_sensitive(path: str) -> bool:
    fields = _fields(path)
    return fields is None or any(_SENSITIVE.search(f) for f in fields if f)


def _path_reveals(path: str) -> bool:
    fields = _fields(path)
    if fields is None or not fields:
        return True
    if any(_SENSITIVE.search(f) for f in fields if f):
        return True
    return fields[-1].lower() in _WHOLE  # `..` ends in an empty field: recursive descent


# ---- Go templates --------------------------------------------------------------------------
_GO_ACTION = re.compile(r"\{\{-?(.*?)-?\}\}", re.S)
_GO_CHAIN = re.compile(r"(?:\$\w*)?(?:\.[A-Za-z_]\w*)+|\$\w*|\.")
_GO_KEYWORDS = frozenset(
    [
        "range",
        "with",
        "if",
        "else",
        "end",
        "eq",
        "ne",
        "lt",
        "le",
        "gt",
        "ge",
        "and",
        "or",
        "not",
        "len",
        "printf",
        "print",
        "println",
        "index",
        "break",
        "continue",
        "nil",
        "true",
        "false",
    ]
)


def go_template_reveals(template: str) -> bool:
    """A kubectl/crictl Go template: True when it prints a sensitive or whole field."""
    if template.count("{{") != template.count("}}"):
        return True
    actions = _GO_ACTION.findall(template)
    if not actions:
        return False  # plain text
    for action in actions:
        body = action.strip()
        if body.startswith("/*"):
            continue
        if any(_SENSITIVE.search(s.strip("\"'`")) for s in _STRING.findall(body)):
            return True  # `index .data "password"`
        body = _STRING.sub(" ", body)
        words = re.findall(r"[A-Za-z_]\w*", _GO_CHAIN.sub(" ", body))
        if any(w not in _GO_KEYWORDS for w in words):
            return True  # `base64decode`, `index`, `json`: functions over unknown fields
        head = body.split(None, 1)[0] if body.split() else ""
        scoped = head in ("range", "with", "if")
        for chain in _GO_CHAIN.findall(body):
            fields = [f for f in re.split(r"\$\w*|\.", chain) if f]
            if any(_SENSITIVE.search(f) for f in fields):
                return True
            if scoped:
                continue  # `range .items` walks objects, it prints none
            if not fields or fields[-1].lower() in _WHOLE:
                return True  # `.`, `$`, `.spec`
    return False
