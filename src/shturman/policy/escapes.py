"""Escapes: a shell reached by way of another program (the GTFOBins shape).

`timeout 1 sh`, `find . -exec /bin/sh \\;`, `env -S 'bash -i'`, `awk 'BEGIN{system("/bin/sh")}'`,
`python3 -c 'import pty; pty.spawn("/bin/bash")'`, `vim -c ':!sh'`, `rsync -e 'sh -c "sh
0<&2"'`, `PAGER='sh -c …' journalctl`: each opens a shell (or runs a command line) through a
program whose purpose is something else. An operator who wants a shell asks for one plainly;
this shape exists to get past a restriction, so it is blocked. These functions only say *what*
a command line or a program's option starts; the judge decides.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from shturman.policy.inline import interpreter_family
from shturman.policy.shell import Word, parse
from shturman.policy.unwrap import SHELLS, program_name, unwrap

# wrappers that only name the shell they start (`exec bash`, `command sh`): no escape;
# privilege wrappers are judged separately (`priv.shell_escape`); a chroot into a rescue
# system starts its shell plainly
PLAIN = frozenset(
    [
        "exec",
        "command",
        "builtin",
        "sudo",
        "doas",
        "pkexec",
        "runuser",
        "run0",
        "sudo-rs",
        "su",
        "chroot",
    ]
)
# where a script given to a program came from: these are the program's own command runners
# (`sh -c`, `eval`, `su -c`, a remote command), not an escape through something else
_SCRIPT_RUNNERS = frozenset(["eval", "su", "sg", "runuser", "ssh", "autossh", *SHELLS])
_MAX_DEPTH = 6
_VI = frozenset(
    ["vi", "vim", "view", "nvim", "rvim", "rview", "vimdiff", "gvim", "ex", "vim.basic", "vim.tiny"]
)
# an ex command that opens a shell outright
_VI_SHELL = re.compile(r"^\s*:?\s*(sh(ell)?|term(inal)?)\s*$", re.I)


def escape_via(via: Sequence[str]) -> str:
    """The programs an interactive shell was started through (`timeout → nice`), leaving out
    those that merely start it (`exec`, `command`, privilege wrappers); empty: no escape."""
    return " → ".join(v for v in via if v not in PLAIN)


def script_escapes(origin: str) -> bool:
    """True when a script came from a program that is not a command runner by trade
    (`env -S`, `watch`, `script -c`, `flock -c`): a shell it starts is an escape."""
    return origin.split(" ", 1)[0] not in _SCRIPT_RUNNERS


def opens_shell(source: str, depth: int = 0) -> bool:
    """True when running `source` starts an interactive shell: a shell with no script to
    run and nothing piped in (`sh`, `/bin/bash -i`, `exec sh 1>&0`, `nice sh`), also inside
    `sh -c '…'` and the other scripts a wrapper runs."""
    if depth > _MAX_DEPTH or not source.strip():
        return False
    parsed = parse(source)
    if parsed.limit or parsed.errors:
        return False
    for cmd in parsed.commands:
        if not cmd.words or not cmd.words[0].literal:
            continue
        chain = unwrap(program_name(cmd.words[0].value), cmd.words[1:])
        inner = chain.inner
        fed = bool(cmd.upstream) or cmd.stdin_text is not None
        if chain.interactive and inner.name in SHELLS and not fed and not inner.remote:
            return True
        if any(opens_shell(s, depth + 1) for _, s in chain.scripts):
            return True
    return False


def runs_code(source: str) -> bool:
    """True when a command line runs a shell or an interpreter (`sh -c id`, `/bin/sh`,
    `python3 -c …`): what a pager or editor variable must never hold."""
    if not source.strip():
        return False
    parsed = parse(source)
    if parsed.limit or parsed.errors:
        return True  # unparseable: never harmless
    for cmd in parsed.commands:
        if not cmd.words:
            continue
        if not cmd.words[0].literal:
            return True
        chain = unwrap(program_name(cmd.words[0].value), cmd.words[1:])
        names = [i.name for i in chain.chain]
        if (
            chain.scripts
            or chain.dynamic
            or any(n in SHELLS or (interpreter_family(n) not in (None, "awk")) for n in names)
        ):
            return True
    return False


def vi_commands(name: str, args: Sequence[Word]) -> list[str]:
    """The ex commands a vi-family editor runs at start-up (`+cmd`, `-c cmd`, `--cmd cmd`)."""
    if name not in _VI:
        return []
    values = [w.value for w in args]
    found = [v[1:] for v in values if v.startswith("+") and len(v) > 1]
    found += [values[i + 1] for i, v in enumerate(values[:-1]) if v in ("-c", "--cmd")]
    return found


def vi_shell(command: str) -> str | None:
    """What an ex command runs in a shell: `:!sh` → `sh`, `:shell` → `sh`; None otherwise.
    `:r !cmd` and `:w !cmd` run `cmd` too."""
    if _VI_SHELL.match(command):
        return "sh"
    m = re.match(r"^\s*:?\s*(?:\d*,?\d*\s*)?(?:r(?:ead)?|w(?:rite)?|%)?\s*!(.*)$", command, re.S)
    if m:
        return m.group(1).strip() or "sh"
    return None


_OPTION_RUNNERS = frozenset(["less", "more", "most", "man", "rsync"])


def option_commands(name: str, args: Sequence[Word]) -> list[str]:
    """The command lines a program runs from its own options: a pager's `less +!cmd` (also
    `more`), `man -P CMD` / `man --pager=CMD`, rsync's transport `-e CMD` / `--rsh=CMD`."""
    if name not in _OPTION_RUNNERS:
        return []
    values = [w.value for w in args]
    found: list[str] = []
    if name in ("less", "more", "most"):
        found += [v.split("!", 1)[1].strip() or "sh" for v in values if v[:1] == "+" and "!" in v]
    opts = {"man": ("-P", "--pager"), "rsync": ("-e", "--rsh")}.get(name)
    if opts is None:
        return found
    short, long = opts
    letter = short[1]
    for i, v in enumerate(values):
        if v == "--":
            break
        if v == long and i + 1 < len(values):
            found.append(values[i + 1])
        elif v.startswith(long + "="):
            found.append(v.split("=", 1)[1])
        elif v[:1] == "-" and v[1:2] not in ("-", "") and letter in v[1:]:
            rest = v[v.index(letter, 1) + 1 :]  # `-avze ssh`, `-essh`
            if rest:
                found.append(rest)
            elif i + 1 < len(values):
                found.append(values[i + 1])
    return found


EDITOR_VARS = frozenset(["EDITOR", "VISUAL", "SUDO_EDITOR", "SYSTEMD_EDITOR"])


def edited_files(name: str, args: Sequence[Word]) -> list[str]:
    """The files a program hands to `$EDITOR`: `visudo` → /etc/sudoers (or `-f FILE`),
    `vipw` → /etc/passwd (`-s`: /etc/shadow), `vigr` → /etc/group, `sudoedit F…` → F…;
    `EDITOR='tee -a' visudo` is then `tee -a /etc/sudoers` with the same input."""
    values = [w.value for w in args]
    if name == "visudo":
        for i, v in enumerate(values[:-1]):
            if v in ("-f", "--file"):
                return [values[i + 1]]
        return ["/etc/sudoers"]
    if name in ("vipw", "vigr"):
        shadow = any(v in ("-s", "--shadow") for v in values)
        base = "passwd" if name == "vipw" else "group"
        return [f"/etc/{'g' if name == 'vigr' and shadow else ''}{'shadow' if shadow else base}"]
    if name == "sudoedit":
        return [v for v in values if not v.startswith("-")]
    return []


_EDITORS = frozenset(
    [*_VI, "nano", "pico", "emacs", "emacsclient", "mcedit", "joe", "jed", "micro", "ne", "mg"]
)


def interactive_editor(value: str) -> bool:
    """`vim`, `nano -w`, `/usr/bin/emacs -nw`: an editor a person drives."""
    words = value.split()
    return bool(words) and program_name(words[0]) in _EDITORS
