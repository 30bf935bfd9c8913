"""Checks a grammar cannot say as data: scripts (sed, awk) and option combinations.

Each checker sees what a grammar level parsed (`Parsed`) and returns a `Rejection` when the
arguments would make a read-only program write, run code or change state."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from shturman.policy.inline import awk_findings
from shturman.policy.sed import parse_sed
from shturman.policy.shell import Word


@dataclass(frozen=True, slots=True)
class Rejection:
    rule_id: str
    arg: str


@dataclass(slots=True)
class Parsed:
    """What one grammar level accepted: option (canonical name, value) pairs and operands."""

    options: list[tuple[str, str]] = field(default_factory=list)
    operands: list[Word] = field(default_factory=list)

    def has(self, *names: str) -> bool:
        return any(n in names for n, _ in self.options)

    def values(self, *names: str) -> list[str]:
        return [v for n, v in self.options if n in names]


# ---- sed -------------------------------------------------------------------------------
def sed_script_ok(script: str) -> bool:
    """True when a sed script only prints and edits its stream: no `e`, `w`, `W`, `r`, `R`
    commands, no `s///e` or `s///w` flags (GNU sed), nothing it fails to understand."""
    return parse_sed(script).read_only


def _sed(p: Parsed) -> Rejection | None:
    scripts = p.values("-e")
    if not scripts:
        if not p.operands:
            return None
        first = p.operands[0]
        if not first.literal:
            return Rejection("grammar.dynamic_argument", first.raw)
        scripts = [first.value]
    for s in scripts:
        if not sed_script_ok(s):
            return Rejection("grammar.runs_code", f"sed {s[:60]}")
    return None


# ---- awk -------------------------------------------------------------------------------
_AWK_HARMLESS_OUT = re.compile(r'>>?\s*"(/dev/stdout|/dev/stderr|-)"')
_AWK_FILE_IO = re.compile(r"getline[^;}|]*<|\bprint[f]?\b[^;}]*>|@(load|include|namespace)\b|\|")


def _awk(p: Parsed) -> Rejection | None:
    if p.has("-e"):  # gawk --source: treat like a program argument
        programs = p.values("-e")
    elif p.operands:
        first = p.operands[0]
        if not first.literal:
            return Rejection("grammar.dynamic_argument", first.raw)
        programs = [first.value]
    else:
        return None
    for prog in programs:
        found = awk_findings(prog)
        cleaned = _AWK_HARMLESS_OUT.sub("", prog)
        if (
            found.executes
            or awk_findings(cleaned).shell
            or _AWK_FILE_IO.search(_strip_awk_strings(cleaned))
        ):
            return Rejection("grammar.runs_code", f"awk {prog[:60]}")
    return None


def _strip_awk_strings(prog: str) -> str:
    """Drop string literals and regexes so `print "a > b"` is not read as a redirection
    (a `>` inside a print statement is output to a file; in a pattern it compares)."""
    prog = re.sub(r'"(?:\\.|[^"\\])*"', '""', prog).replace("||", "&&")
    return re.sub(r"(^|[\s(~!,{;&|])/(?:\\.|[^/\\\n])*/", r"\1//", prog)


# ---- git ---------------------------------------------------------------------------------
_GIT_CONFIG_READS = ("--get", "--get-all", "--get-regexp", "--list", "--get-urlmatch")


def _git_config(p: Parsed) -> Rejection | None:
    """`git config KEY` reads, `git config KEY VALUE` writes; `--get…`/`--list` read."""
    if p.has(*_GIT_CONFIG_READS):
        return None
    if len(p.operands) <= 1 and not p.has("--unset", "--add"):
        return None
    return Rejection("grammar.changes_state", "git config " + " ".join(w.value for w in p.operands))


def _list_mode(p: Parsed) -> Rejection | None:
    """`git branch`/`git tag` with a name creates one; only list modes take operands."""
    if not p.operands or p.has("--list", "--contains", "--merged", "--no-merged", "--points-at"):
        return None
    return Rejection("grammar.changes_state", p.operands[0].value)


# ---- systemctl -----------------------------------------------------------------------------
def _systemctl_show(p: Parsed) -> Rejection | None:
    """`systemctl show` prints every property, Environment= among them: only named
    properties other than the environment are read-only output."""
    props = ",".join(p.values("-p"))
    if not props or re.search(r"(?i)environment", props):
        return Rejection("grammar.secret_output", "systemctl show -p Environment")
    return None


def _service_status(p: Parsed) -> Rejection | None:
    """SysV `service NAME status` and `service --status-all` read; any other verb acts."""
    words = [w.value for w in p.operands]
    if (not words and p.has("--status-all", "--help", "--version", "-h")) or (
        len(words) == 2 and words[1] == "status"
    ):
        return None
    return Rejection("grammar.changes_state", "service " + " ".join(words))


def _pacman(p: Parsed) -> Rejection | None:
    """`pacman -S NAME` installs; with `-s`/`-i`/`-l`/`-g` it only searches or shows."""
    if p.has("-S") and not p.has("-s", "-i", "-l", "-g"):
        return Rejection("grammar.changes_state", "pacman -S")
    return None


def _tmux_format(p: Parsed) -> Rejection | None:
    """tmux formats run `#(command)` in a shell."""
    for v in p.values("-F", "-f"):
        if "#(" in v:
            return Rejection("grammar.runs_code", f"-F {v}")
    return None


# ---- misc ----------------------------------------------------------------------------------
def _curl_write_out(p: Parsed) -> Rejection | None:
    for v in p.values("-w"):
        if "%output{" in v or "%{stderr}" in v.replace(" ", ""):
            return Rejection("grammar.writes_file", f"-w {v}")
    return None


def _ping(p: Parsed) -> Rejection | None:
    """An unbounded ping never ends: a count or a deadline is required."""
    if p.has("-c", "-w"):
        return None
    return Rejection("grammar.unbounded", "ping")


def _top(p: Parsed) -> Rejection | None:
    if p.has("-b", "-n"):
        return None
    return Rejection("grammar.interactive", "top")


def _ps(p: Parsed) -> Rejection | None:
    """BSD-style `ps e`/`ps auxe` print every process's environment (secrets)."""
    for w in p.operands:
        if w.value.isalpha() and "e" in w.value and w.value.islower() and len(w.value) <= 6:
            return Rejection("grammar.secret_output", f"ps {w.value}")
    return None


# ssh -o: only options that change nothing but how the connection is made or checked
_SSH_SAFE_KEYS = frozenset(
    [
        "connecttimeout",
        "batchmode",
        "stricthostkeychecking",
        "userknownhostsfile",
        "serveraliveinterval",
        "serveralivecountmax",
        "connectionattempts",
        "loglevel",
        "port",
        "user",
        "identityfile",
        "identitiesonly",
        "passwordauthentication",
        "pubkeyauthentication",
        "preferredauthentications",
        "kbdinteractiveauthentication",
        "gssapiauthentication",
        "hostkeyalias",
        "checkhostip",
        "addressfamily",
        "compression",
        "requesttty",
        "visualhostkey",
        "updatehostkeys",
        "numberofpasswordprompts",
        "hashknownhosts",
        "globalknownhostsfile",
        "tcpkeepalive",
        "ciphers",
        "macs",
        "kexalgorithms",
        "hostkeyalgorithms",
        "verifyhostkeydns",
    ]
)


def _ssh(p: Parsed) -> Rejection | None:
    """`-o ProxyCommand=…`, `LocalCommand`, `PermitLocalCommand` and the like run programs
    here; only known connection settings are read-only."""
    for v in p.values("-o"):
        key = re.split(r"[=\s]", v.strip(), maxsplit=1)[0].lower()
        if key not in _SSH_SAFE_KEYS:
            return Rejection("grammar.runs_code", f"ssh -o {v}")
    return None


# sqlite3 DB DOTCMD [NAME…]: schema listings only. With a dot command given as an argument
# sqlite3 reads nothing from stdin; SQL (one word like `vacuum` too) or `.shell` needs a person
_SQLITE_DOTS = frozenset([".tables", ".schema", ".indexes", ".indices", ".databases", ".dbinfo"])
_SQL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _sqlite_dot(p: Parsed) -> Rejection | None:
    ops = [w.value for w in p.operands]
    if not ops and p.has("-version", "--version", "-help", "--help"):
        return None
    if len(ops) < 2 or ops[1] not in _SQLITE_DOTS:
        return Rejection("grammar.runs_code", " ".join(ops[1:2]) or "sqlite3")
    for name in ops[2:]:
        if not _SQL_NAME.fullmatch(name):
            return Rejection("grammar.runs_code", name)
    return None


# sqlite PRAGMAs that read the database's structure or check it; one that sets (`=`) changes it
_SQLITE_PRAGMA = re.compile(
    r"(?i)^\s*pragma\s+(?:\w+\.)?(integrity_check|quick_check|table_info|table_xinfo|table_list"
    r"|index_list|index_info|index_xinfo|foreign_key_list|foreign_key_check|page_count"
    r"|page_size|freelist_count|journal_mode|user_version|application_id|schema_version"
    r"|compile_options|database_list|encoding|auto_vacuum|collation_list|function_list"
    r"|module_list|pragma_list)\s*(?:\(\s*[\w\"']+\s*\))?\s*;?\s*$"
)


def _sqlite_sql(p: Parsed) -> Rejection | None:
    """`sqlite3 DB .tables` (`sqlite_dot`), or `sqlite3 DB 'PRAGMA integrity_check'`."""
    ops = [w.value for w in p.operands]
    if len(ops) == 2 and not ops[1].startswith("."):
        return None if _SQLITE_PRAGMA.match(ops[1]) else Rejection("grammar.runs_code", ops[1][:60])
    if len(ops) == 2 and " " in ops[1]:  # `sqlite3 DB '.schema jobs'`: split as sqlite3 does
        words = [Word(w, w) for w in ops[1].split()]
        return _sqlite_dot(Parsed(p.options, [p.operands[0], *words]))
    return _sqlite_dot(p)


CHECKERS: dict[str, Callable[[Parsed], Rejection | None]] = {
    "sqlite_sql": _sqlite_sql,
    "sqlite_dot": _sqlite_dot,
    "sed": _sed,
    "awk": _awk,
    "git_config": _git_config,
    "list_mode": _list_mode,
    "systemctl_show": _systemctl_show,
    "service_status": _service_status,
    "pacman": _pacman,
    "tmux_format": _tmux_format,
    "curl": _curl_write_out,
    "ping": _ping,
    "ps": _ps,
    "top": _top,
    "ssh": _ssh,
}
