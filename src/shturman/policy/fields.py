"""Secret-named fields read out of a config: `grep requirepass redis.conf`, `jq .db.password`.

The file itself is not a credential store by its name, but the extraction names the secret:
a grep/sed/awk pattern or a jq/yq filter whose identifiers end in a secret word prints the
line or value that holds it. Judged by what the pattern names and what it reads, never by the
whole command string:

- an identifier (split at everything but letters, digits, `_` and `-`) that *ends* in a secret
  word — `password`, `db_password`, `requirepass`, `client_secret`, `api_key`, `token` — names
  a secret; `PasswordAuthentication`, `PermitEmptyPasswords`, `max_tokens` do not (the word is
  not the end of the name), so sshd checks stay harmless;
- the files read are configs, not logs (`grep "Failed password" /var/log/auth.log` looks for
  events, and prints none of the secret's values);
- only modes that print what matched count: `grep -c/-l/-q` print counts, names or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_SECRET_END = re.compile(
    r"(?:password|passwd|passphrase|secret|token|requirepass|masterauth|api[_-]?key|"
    r"private[_-]?key|secret[_-]?key|access[_-]?key|auth[_-]?key|credentials?|psk|"
    r"pre[_-]?shared[_-]?key|(?<![a-z])pass|(?<![a-z])pwd)$",
    re.I,
)
# phrases that name a secret though no identifier ends in a secret word (HAProxy's `stats auth
# USER:PASS`, a userlist's `insecure-password`)
_SECRET_PHRASE = re.compile(r"(?i)stats\s+auth|insecure-password")
_IDENT = re.compile(r"[A-Za-z0-9_-]+")
_LOGS = re.compile(r"^(?:/var/log/|/run/log/|/proc/|/sys/|/dev/)|\.log(?:\.\d+)?(?:\.gz)?$")
_GREPS = frozenset(["grep", "egrep", "fgrep", "zgrep", "rg"])
_SILENT_GREP = frozenset(
    [
        "-c",
        "--count",
        "-l",
        "--files-with-matches",
        "-L",
        "--files-without-match",
        "-q",
        "--quiet",
        "--silent",
    ]
)
_GREP_VALUE = frozenset(
    [
        "-e",
        "--regexp",
        "-f",
        "--file",
        "-m",
        "--max-count",
        "-A",
        "-B",
        "-C",
        "--context",
        "--after-context",
        "--before-context",
        "--include",
        "--exclude",
        "--exclude-dir",
        "--label",
        "-d",
        "--directories",
        "-D",
        "--devices",
        "-g",
        "--glob",
        "-t",
        "--type",
        "-T",
        "--type-not",
    ]
)
_JQ_PAIRS = frozenset(["--arg", "--argjson", "--slurpfile", "--rawfile"])
_JQ_VALUE = frozenset(["--indent", "-L", "--tab", "-f", "--from-file"])
_AWK_VALUE = frozenset(["-F", "-v", "-f", "--field-separator", "--assign", "--file"])
_SED_VALUE = frozenset(["-e", "--expression", "-f", "--file", "-l", "--line-length"])
EXTRACTORS = _GREPS | frozenset(["jq", "yq", "awk", "gawk", "mawk", "sed"])


def _redis_config_get(args: Sequence[str]) -> bool:
    """`redis-cli CONFIG GET requirepass` (or `*`): the server prints its own secret."""
    low = [a.lower() for a in args]
    for i in range(len(low) - 2):
        if low[i] == "config" and low[i + 1] == "get":
            return any(p in ("*", "*pass*") or names_secret(p) for p in args[i + 2 :])
    return False


def names_secret(pattern: str) -> bool:
    """The pattern names a secret field: one of its identifiers ends in a secret word."""
    return bool(_SECRET_PHRASE.search(pattern)) or any(
        _SECRET_END.search(tok) for tok in _IDENT.findall(pattern)
    )


def _split(
    args: Sequence[str], value_opts: frozenset[str], own: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    """(values of the `own` options, positionals) of an argument list."""
    given: list[str] = []
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            pos.extend(args[i + 1 :])
            break
        if a in _JQ_PAIRS:
            i += 3
            continue
        if a in value_opts:
            if a in own and i + 1 < len(args):
                given.append(args[i + 1])
            i += 2
            continue
        if a.startswith("--") and "=" in a:
            opt, val = a.split("=", 1)
            if opt in own:
                given.append(val)
        elif a.startswith("-") and len(a) > 2 and a[:2] in own and a[:2] in value_opts:
            given.append(a[2:])
        elif not a.startswith("-") or a == "-":
            pos.append(a)
        i += 1
    return given, pos


def _patterns_and_files(name: str, args: Sequence[str]) -> tuple[list[str], list[str]] | None:
    if name in _GREPS:
        if any(
            a in _SILENT_GREP
            or (
                a[:1] == "-"
                and a[1:2] != "-"
                and set(a[1:]) & set("clLq")
                and a[1:2] not in ("e", "f", "m", "A", "B", "C")
            )
            for a in args
        ):
            return None
        given, pos = _split(args, _GREP_VALUE, ("-e", "--regexp"))
    elif name in ("jq", "yq"):
        given, pos = _split(args, _JQ_VALUE, ())
    elif name in ("awk", "gawk", "mawk"):
        given, pos = _split(args, _AWK_VALUE, ())
    else:  # sed
        given, pos = _split(args, _SED_VALUE, ("-e", "--expression"))
    if not given:
        if not pos:
            return None
        given, pos = pos[:1], pos[1:]
    return given, pos


def reads_secret_field(
    name: str, args: Sequence[str], piped_from: Sequence[str] = ()
) -> str | None:
    """What is extracted (for the reason), when the command prints a secret-named field of a
    config file it reads — or of the files `piped_from` (`cat my.cnf | grep -i pass`) when it
    names none; None otherwise."""
    if name == "redis-cli" and _redis_config_get(args):
        return " ".join([name, *args])[:120]
    if name not in EXTRACTORS:
        return None
    split = _patterns_and_files(name, args)
    if split is None:
        return None
    patterns, files = split
    files = files or list(piped_from)
    if name in ("jq", "yq") and any(w in p for p in patterns for w in ("has(", "del(")):
        return None
    if not files or all(_LOGS.search(f) for f in files):
        return None
    if not any(names_secret(p) for p in patterns):
        return None
    return " ".join([name, *args])[:120]
