"""Go templates given to `docker inspect --format`: which parts of the object they print.

`docker inspect` prints the whole object, the environment (`.Config.Env`) with it, so bare it
is a secret exposure. A template that names only narrow fields (`{{.State.Status}}`,
`{{.NetworkSettings.IPAddress}}`, `{{range .Mounts}}{{.Source}}{{end}}`) prints those and
nothing else. The template is parsed into its actions, and from them into field paths,
variables, string keys and function names; it is harmless only when every one of them is
understood and none reaches the environment or a whole configuration.
"""

from __future__ import annotations

import re

# template keywords and functions that compute nothing from fields they are not given
_FUNCTIONS = frozenset(
    [
        "json",
        "printf",
        "print",
        "println",
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
        "index",
        "join",
        "split",
        "lower",
        "upper",
        "title",
        "pad",
        "truncate",
        "slice",
        "table",
        "urlquery",
        "html",
        "js",
        "break",
        "continue",
        "nil",
        "true",
        "false",
    ]
)
# objects that hold the environment as a whole (printing one prints `Env` too)
_WHOLE = frozenset(["config", "containerconfig", "spec", "containerspec", "tasktemplate"])
_ACTION = re.compile(r"\{\{(.*?)\}\}", re.S)
_STRING = re.compile(r'"(?:\\.|[^"\\])*"|`[^`]*`')
_TOKEN = re.compile(
    r"(?P<chain>(?:\$\w*)?(?:\.\w+)+)|(?P<var>\$\w*)|(?P<dot>\.)|(?P<name>[A-Za-z_]\w*)"
    r"|(?P<num>-?\d[\w.]*)|(?P<op>:=|=|\||\(|\)|,|\s+)|(?P<bad>.)"
)


def exposes_environment(template: str) -> bool:
    """True unless the template prints only narrow fields that hold no environment."""
    if template.count("{{") != template.count("}}"):
        return True  # not a template docker would parse the way it reads here
    actions = _ACTION.findall(template)
    if not actions:  # `--format json` / `table`: docker's named formats print everything
        return template.strip().split(" ", 1)[0].lower() in ("json", "table", "pretty", "raw")
    for body in actions:
        body = body.strip().removeprefix("-").removesuffix("-").strip()
        if body.startswith("/*"):
            continue  # a comment
        for literal in _STRING.findall(body):
            if "env" in literal.lower() or literal.strip('"`').lower() in _WHOLE:
                return True  # `index .Config "Env"`
        if _exposes(_STRING.sub(" ", body)):
            return True
    return False


def _exposes(body: str) -> bool:
    for m in _TOKEN.finditer(body):
        kind = m.lastgroup
        text = m.group()
        if kind == "bad":
            return True
        if kind == "dot":
            return True  # `.` itself: the whole object (or the whole element of a range)
        if kind == "var" and text == "$":
            return True  # the root object
        if kind == "name" and text not in _FUNCTIONS:
            return True
        if kind == "chain":  # `.State.Status`, `$c.Image`, `$.Config.Env`
            fields = [f.lower() for f in text.partition(".")[2].split(".") if f]
            if any("env" in f for f in fields) or (fields and fields[-1] in _WHOLE):
                return True
    return False
