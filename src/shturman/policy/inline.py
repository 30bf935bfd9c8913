"""Code hidden in arguments of "harmless" tools and interpreters.

Interpreters (`python -c`, `perl -e`, `node -e`, `php -r`, …), awk programs and sed scripts
can run shell commands. We pull out the shell strings they would run (so the judge can
judge them like any command line) and recognise reverse-shell shapes."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from shturman.policy.sed import parse_sed

_INTERPRETER_RE = re.compile(
    r"^(python[0-9.]*|pypy[0-9.]*|perl[0-9.]*|ruby[0-9.]*|node|nodejs|deno|bun|php[0-9.]*|"
    r"lua[0-9.]*|luajit|tclsh[0-9.]*|wish|Rscript|pwsh|powershell|jshell|irb|groovy|"
    r"julia|guile|racket|sbcl|osascript|gawk|mawk|nawk|awk)$"
)
_CODE_OPTS = {
    "python": ("-c",),
    "pypy": ("-c",),
    "perl": ("-e", "-E"),
    "ruby": ("-e",),
    "node": ("-e", "--eval", "-p", "--print"),
    "nodejs": ("-e", "--eval", "-p"),
    "deno": ("eval",),
    "bun": ("-e", "--eval"),
    "php": ("-r",),
    "lua": ("-e",),
    "luajit": ("-e",),
    "pwsh": ("-c", "-Command"),
    "powershell": ("-c", "-Command"),
    "Rscript": ("-e",),
}
_NET = re.compile(
    r"socket|fsockopen|TCPSocket|Socket\b|net\.connect|net\.Socket|/dev/tcp|"
    r"IO::Socket|stream_socket_client|urlopen|requests\.|http\.client|"
    r"NetSocket|Net::",
    re.I,
)
_PROC = re.compile(
    r"subprocess|pty\.spawn|os\.dup2|dup2|\bexec\w*\s*\(|system\s*\(|popen|"
    r"spawn|/bin/(ba)?sh|child_process|shell_exec|passthru|proc_open|"
    r"\bsh\s+-i|cmd\.exe|fdopen|\bsystem\b|\bexec\b",
    re.I,
)
_SHELL_CALL = re.compile(
    r"(?:system|popen|popen2|popen3|getoutput|getstatusoutput|check_output|check_call|"
    r"call|run|Popen|exec|execSync|execFileSync|spawnSync|shell_exec|passthru|proc_open|"
    r"os\.system|Kernel\.system|IO\.popen|%x)\s*\(\s*\[?\s*(?:r|b|f)?(['\"])((?:\\.|(?!\1).)*)\1"
    r"((?:\s*,\s*(['\"])(?:\\.|(?!\4).)*\4)*)",
    re.S,
)
# a shell started by name: `pty.spawn("/bin/sh")`, `os.execl("/bin/sh", …)`, perl's bare
# `exec "/bin/sh"` / `system "sh"` (no parentheses)
_SPAWN_CALL = re.compile(
    r"(?:pty\.spawn|os\.exec[lv]p?e?|os\.spawn[lv]p?e?|execve?|Process\.spawn|spawn)\s*\(\s*\[?\s*"
    r"(?:r|b)?(['\"])((?:\\.|(?!\1).)*)\1"
    r"|(?<![\w.$])(?:exec|system)\s+(['\"])((?:\\.|(?!\3).)*)\3",
    re.S,
)
_BACKTICKS = re.compile(r"`([^`]+)`|qx\s*[({/](.*?)[)}/]", re.S)
_DELETE_CALL = re.compile(
    r"(rmtree|remove|unlink|rmdir|removedirs|rm_rf|rm_r|rmSync|unlinkSync|rmdirSync|"
    r"File\.delete|FileUtils\.rm\w*)\s*\(\s*(?:r|b)?(['\"])((?:\\.|(?!\2).)*)\2",
    re.S,
)
_WRITE_CALL = re.compile(
    r"open\s*\(\s*(?:r|b)?(['\"])((?:\\.|(?!\1).)*)\1\s*,\s*(?:mode\s*=\s*)?['\"][wa+]", re.S
)
_STRING = re.compile(r"(['\"])(/(?:\\.|(?!\1)[^\s])+|~/[^'\"\s]+)\1")


@dataclass(slots=True)
class CodeFindings:
    shell: list[str] = field(default_factory=list)  # shell lines the code would run
    reverse_shell: bool = False
    paths: list[str] = field(default_factory=list)  # paths the code names (reads)
    executes: bool = False  # awk/sed that runs commands
    fork_bomb: bool = False  # forks without end (`fork while fork`)
    remote_eval: bool = False  # evaluates code it downloads (`eval(file_get_contents(URL))`)


_FORK_BOMB = re.compile(
    r"\bfork\s*(\(\s*\))?\s*while\s*\(?\s*fork"
    r"|\bwhile\s*\(?\s*(1|true|True)\s*\)?\s*[:{]?\s*(os\.|Process\.|pcntl_)?fork\s*\("
    r"|\bfor\s*\(\s*;\s*;\s*\)\s*\{?\s*(pcntl_)?fork\s*\(",
)
_REMOTE_EVAL = re.compile(
    r"\b(eval|exec|assert|system|include|require|include_once|require_once|instance_eval)\b"
    r"[^;\n]{0,80}?\b(file_get_contents|urlopen|urllib\.request|requests\.get|curl_exec|"
    r"fopen|LWP::Simple|get|Net::HTTP|URI\.open|open-uri|fetch)\b[^;\n]{0,40}?['\"](https?|ftp)://"
    r"|\b(include|require)(_once)?\s*\(?\s*['\"](https?|ftp)://",
)


@lru_cache(maxsize=4096)
def interpreter_family(name: str) -> str | None:
    m = _INTERPRETER_RE.match(name)
    if not m:
        return None
    fam = re.sub(r"[0-9.]+$", "", name)
    return "awk" if fam in ("gawk", "mawk", "nawk") else fam


def inline_code(family: str, args: Sequence[str]) -> tuple[str | None, bool]:
    """(code, has_script_file_or_module) for an interpreter's arguments."""
    opts = _CODE_OPTS.get(family, ("-e", "-c"))
    for i, a in enumerate(args):
        for o in opts:
            if a == o and i + 1 < len(args):
                return args[i + 1], False
            if (
                len(o) == 2
                and a.startswith("-")
                and not a.startswith("--")
                and a.endswith(o[1])
                and len(a) > 2
                and i + 1 < len(args)
            ):
                return args[i + 1], False  # clusters like perl -ne, python -Bc
            if o.startswith("--") and a.startswith(o + "="):
                return a.split("=", 1)[1], False
    positionals = [a for a in args if not a.startswith("-")]
    return None, bool(positionals) or (family in ("python", "pypy") and "-m" in args)


def analyse_code(code: str) -> CodeFindings:
    found = CodeFindings()
    found.reverse_shell = bool(_NET.search(code) and _PROC.search(code))
    found.fork_bomb = bool(_FORK_BOMB.search(code))
    found.remote_eval = bool(_REMOTE_EVAL.search(code))
    for m in _SHELL_CALL.finditer(code):
        first = m.group(2)
        rest = re.findall(r"(['\"])((?:\\.|(?!\1).)*)\1", m.group(3) or "")
        found.shell.append(" ".join([first, *(r[1] for r in rest)]))
    for m in _BACKTICKS.finditer(code):
        found.shell.append(m.group(1) or m.group(2) or "")
    for m in _SPAWN_CALL.finditer(code):
        line = m.group(2) if m.group(2) is not None else m.group(4)
        if line and line not in found.shell:
            found.shell.append(line)
    for m in _DELETE_CALL.finditer(code):
        recursive = m.group(1) in ("rmtree", "rm_rf", "rm_r", "rmSync", "removedirs") or m.group(
            1
        ).startswith("FileUtils.rm")
        found.shell.append(f"rm {'-rf ' if recursive else ''}{m.group(3)}")
    for m in _WRITE_CALL.finditer(code):
        found.shell.append(f": > {m.group(2)}")
    found.paths.extend(m.group(2) for m in _STRING.finditer(code))
    return found


def awk_findings(program: str) -> CodeFindings:
    found = CodeFindings()
    for m in re.finditer(r"system\s*\(\s*\"((?:\\.|[^\"])*)\"", program):
        found.shell.append(m.group(1))
        found.executes = True
    if re.search(r"system\s*\(|\|\s*getline|\|&|print[f]?[^;}]*\|\s*\"", program):
        found.executes = True
    for m in re.finditer(r"print[f]?[^;}]*?>>?\s*\"([^\"]+)\"", program):
        found.shell.append(f": >> {m.group(1)}")
    return found


def sed_executes(script: str) -> bool:
    """True when a sed script runs shell commands (`e` command or the s///e flag)."""
    parsed = parse_sed(script)
    if parsed.ok or parsed.executes:
        return parsed.executes
    # not understood: look for the shapes of `e` the way a looser reader would
    for part in re.split(r"[;\n]", script):
        p = part.strip().lstrip("{").strip()
        p = re.sub(r"^(?:\d+|\$|/(?:\\.|[^/])*/)(?:\s*,\s*(?:\d+|\$|/(?:\\.|[^/])*/))?!?\s*", "", p)
        if re.match(r"e(\s|$)", p):
            return True
        m = re.match(r"s(.)(?:\\.|(?!\1).)*\1(?:\\.|(?!\1).)*\1([a-zA-Z0-9]*)", p)
        if m and "e" in m.group(2):
            return True
    return False
