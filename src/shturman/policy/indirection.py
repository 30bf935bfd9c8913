"""Indirection: a program name the source does not spell out.

`$(which rm) -rf /`, `` `command -v rm` -rf / ``: the name is looked up at run time, but the
look-up names the program, so it is judged as that program. `$RM -rf /` with an unknown `RM`:
nothing says what runs, but some arguments only make sense for a destructive program (`-rf /`
is `rm`'s, `of=/dev/sda` is `dd`'s); the command is judged as each program its arguments fit,
and blocked if any of those would be.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from shturman.policy.shell import Word, parse
from shturman.policy.unwrap import program_name

# programs that print where another program is: `which rm` → rm
_LOCATORS = frozenset(["which", "command", "type", "whereis", "hash", "readlink", "realpath"])
_SUBST = re.compile(r"\$\((.*)\)|`(.*)`", re.S)
_MODE = re.compile(r"^(?:[0-7]{3,4}|[ugoa]*[+=-][rwxXstugo]+(?:,[ugoa]*[+=-][rwxXstugo]+)*)$")
_OWNER = re.compile(r"^[\w.-]*:[\w.-]*$|^root$")


# programs that print the process ids of a named program: `kill $(pidof auditd)`
_PID_FINDERS = frozenset(["pidof", "pgrep", "pidofproc"])


def signalled_names(args: Sequence[Word]) -> list[str]:
    """The programs `kill` is aimed at through a look-up: `kill -9 $(pidof auditd)`,
    `` kill `pgrep -x falco` `` → `auditd`, `falco`."""
    found: list[str] = []
    for w in args:
        if not w.literal:
            found.extend(n for n in located_names(w.raw, _PID_FINDERS) if n not in found)
    return found


def located_names(raw: str, locators: frozenset[str] = _LOCATORS) -> list[str]:
    """The programs a substitution in command position looks up: `$(which rm)`,
    `` `command -v rm` ``, `$(type -P rm)`, `$(readlink -f $(which rm))` → `rm`."""
    m = _SUBST.fullmatch(raw.strip().strip('"'))
    if m is None:
        return []
    inner = m.group(1) if m.group(1) is not None else m.group(2)
    found: list[str] = []
    parsed = parse(inner)
    if parsed.limit or parsed.errors:
        return []
    for cmd in parsed.commands:
        if not cmd.words or program_name(cmd.words[0].value) not in locators:
            continue
        for w in cmd.words[1:]:
            if w.literal and not w.value.startswith("-"):
                name = program_name(w.value)
                if name and name not in found:
                    found.append(name)
        for w in cmd.words[1:]:  # `$(readlink -f $(which rm))`
            if not w.literal:
                found.extend(n for n in located_names(w.raw, locators) if n not in found)
    return found


def _short(args: Sequence[str]) -> set[str]:
    return {c for a in args if a[:1] == "-" and a[1:2] not in ("-", "") for c in a[1:]}


def destructive_guesses(args: Sequence[Word]) -> list[str]:
    """The destructive programs whose arguments these are, by their shape alone: recursive
    and forced (`-rf`, `--recursive --force`, `--no-preserve-root`) → `rm`; `of=`/`if=` →
    `dd`; a recursive mode or owner change → `chmod`/`chown`; a block device with no other
    operand → `mkfs`/`wipefs`/`shred`."""
    values = [w.value for w in args]
    short = _short(values)
    long = {v.split("=", 1)[0] for v in values if v.startswith("--")}
    recursive = bool(short & {"r", "R"}) or "--recursive" in long
    guesses: list[str] = []
    if (recursive and ("f" in short or "--force" in long)) or "--no-preserve-root" in long:
        guesses.append("rm")
    if any(v.startswith(("of=", "if=")) for v in values):
        guesses.append("dd")
    operands = [v for v in values if not v.startswith("-")]
    if recursive and any(_MODE.match(v) for v in operands):
        guesses.append("chmod")
    if recursive and any(_OWNER.match(v) for v in operands):
        guesses.append("chown")
    if operands and all(v.startswith("/dev/") for v in operands):
        guesses.extend(["mkfs", "wipefs", "shred"])
    return guesses
