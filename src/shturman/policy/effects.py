"""What a program does to files: reads, writes, truncations, deletions, permission changes.

Computed from the parsed arguments of the innermost program plus the shell redirections of
the command line, so rules can speak about paths ("writes under /etc") instead of strings."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from shturman.policy.sed import parse_sed
from shturman.policy.shell import Redirect, Word
from shturman.policy.unwrap import Invocation, find_filtered, find_name_pattern, own_args

_HARMLESS = frozenset(
    {
        "/dev/null",
        "/dev/stdout",
        "/dev/stderr",
        "/dev/tty",
        "/dev/zero",
        "/dev/random",
        "/dev/urandom",
        "-",
    }
)
_NO_READ = frozenset(
    [
        "ls",
        "stat",
        "file",
        "du",
        "test",
        "[",
        "[[",
        "touch",
        "mkdir",
        "realpath",
        "readlink",
        "basename",
        "dirname",
        "which",
        "whereis",
        "type",
        "lsattr",
        "getfacl",
        "namei",
        "echo",
        "printf",
        "chmod",
        "chown",
        "chgrp",
        "chattr",
        "setfacl",
        "cd",
        "pushd",
        "find",
        "tree",
        "df",
        "mount",
        "umount",
        "rm",
        "rmdir",
        "unlink",
        "shred",
        "truncate",
        "mv",
        "cp",
        "install",
        "ln",
        "tee",
        "dd",
        "sed",
        "tar",
        "rsync",
        "scp",
        "wc",
        "md5sum",
        "sha1sum",
        "sha256sum",
        "sha512sum",
        "b2sum",
        "cksum",
        "sum",
        "id",
        "getent",
        "systemctl",
        "service",
        "journalctl",
        "docker",
        "kubectl",
        "ssh",
        "sftp",
        "ssh-add",
        "ssh-copy-id",
        "git",
        "apt",
        "apt-get",
        "dpkg",
        "yum",
        "dnf",
        "rpm",
        "pip",
        "pip3",
        "kill",
        "pkill",
        "killall",
        "ps",
        "pgrep",
        "lsof",
        "fuser",
        "ping",
        "dig",
        "nslookup",
        "host",
        "curl",
        "wget",
        "useradd",
        "usermod",
        "userdel",
        "groupadd",
        "passwd",
        "crontab",
        "sleep",
        "seq",
        "mkfs",
        "ufw",
        "iptables",
        "nginx",
        "apachectl",
        "sshd",
        "openssl",
    ]
)
_Handler = Callable[[Sequence[Word], list[str], "Effects"], None]
_SIZE0 = re.compile(r"^(--size=|-s)?0+[KMGkmg]?$")


@dataclass(slots=True)
class Effects:
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)  # created or modified in place
    truncates: list[str] = field(default_factory=list)  # content destroyed or replaced
    deletes: list[str] = field(default_factory=list)
    perms: list[str] = field(default_factory=list)
    dynamic_write: bool = False  # a write whose target is only known at run time

    def changed(self) -> list[str]:
        return self.writes + self.truncates + self.deletes + self.perms

    def destroyed(self) -> list[str]:
        return self.truncates + self.deletes


def normalise_path(value: str, cwd: str | None = None) -> str:
    """`/usr/bin/../bin/x` → `/usr/bin/x`; `//etc/` → `/etc`; relative paths join `cwd`."""
    if not value:
        return value
    if value.startswith("$HOME"):
        value = "~" + value[5:]
    if not value.startswith(("/", "~")) and cwd:
        value = posixpath.join(cwd, value)
    norm = posixpath.normpath(value)
    if norm.startswith("//"):
        norm = "/" + norm.lstrip("/")
    return norm


def _positionals(args: Sequence[Word]) -> list[str]:
    out: list[str] = []
    after_dashdash = False
    for w in args:
        v = w.value
        if v == "--" and not after_dashdash:
            after_dashdash = True
            continue
        if not after_dashdash and v.startswith("-") and len(v) > 1:
            continue
        if not w.literal and "//" in v:  # `/proc/$(pgrep x)/environ`: a run-time segment
            v = v.replace("//", "/*/")
        out.append(v)
    return out


def _operands(args: Sequence[Word], value_opts: frozenset[str]) -> list[str]:
    """Operands of a program whose short options in `value_opts` take the next word
    (`-l 64 FILE`: FILE is the operand, 64 the value of -l)."""
    out: list[str] = []
    skip = ended = False
    for w in args:
        v = w.value
        if skip:
            skip = False
        elif ended or v == "-" or not v.startswith("-"):
            out.append(v)
        elif v == "--":
            ended = True
        elif v in value_opts or (v[:2] in value_opts and len(v) == 2):
            skip = True
    return out


def _option_values(args: Sequence[Word], opts: Iterable[str]) -> list[str]:
    wanted = set(opts)
    values: list[str] = []
    for i, w in enumerate(args):
        v = w.value
        if v in wanted and i + 1 < len(args):
            values.append(args[i + 1].value)
        for o in wanted:
            if o.startswith("--") and v.startswith(o + "="):
                values.append(v[len(o) + 1 :])
            elif len(o) == 2 and v.startswith(o) and len(v) > 2 and not v.startswith("--"):
                values.append(v[2:])
            elif len(o) == 2 and v[:1] == "-" and v[1:2].isalpha() and o[1] in v[2:]:
                # `curl -sLo FILE`, `wget -qO- URL`: the option ends a cluster of flags
                k = v.index(o[1], 2)
                if v[1:k].isalpha():
                    if k + 1 < len(v):
                        values.append(v[k + 1 :])
                    elif i + 1 < len(args):
                        values.append(args[i + 1].value)
    return values


def _has_flag(args: Sequence[Word], short: str, long: str = "") -> bool:
    for w in args:
        v = w.value
        if long and (v == long or v.startswith(long + "=")):
            return True
        if v.startswith("-") and not v.startswith("--") and short in v[1:]:
            return True
    return False


def compute(
    inv: Invocation, redirects: Sequence[Redirect], cwd: str | None, examples: Sequence[str] = ()
) -> Effects:
    eff = Effects()
    _program(inv, eff)
    for r in redirects:
        _redirect(r, eff)
    for attr in ("reads", "writes", "truncates", "deletes", "perms"):
        found: list[str] = getattr(eff, attr)
        if not found:  # most invocations touch no file of most kinds
            continue
        paths = [
            _normalised(p, cwd)
            for p in found
            if p and p not in _HARMLESS and not p.startswith("/dev/fd/")
        ]
        paths += [
            e
            for p in paths
            if _GLOBBY.search(p) and "/**/" not in p  # `/**/`: a find result
            for e in examples
            if _glob_hits(p, e)
        ]
        setattr(eff, attr, paths)
    return eff


_GLOBBY = re.compile(r"[*?\[]")


@lru_cache(maxsize=16384)
def _normalised(value: str, cwd: str | None) -> str:
    return normalise_path(value, cwd)


def _glob_hits(glob: str, path: str) -> bool:
    if glob.startswith("~"):  # any home directory
        return _glob_hits("/root" + glob[1:], path) or _glob_hits("/home/*" + glob[1:], path)
    rx = _glob_rx(glob)
    return rx is not None and rx.fullmatch(path) is not None


def glob_select(glob: str, names: tuple[str, ...]) -> list[str]:
    """The names a glob matches, in order: one regex scan over all of them (a Python-level
    call per name made 10,000 globbed commands take tens of seconds)."""
    rx = _glob_lines_rx(glob)
    if rx is None:
        return []
    return rx.findall(_joined(names))


@lru_cache(maxsize=8)
def _joined(names: tuple[str, ...]) -> str:
    return "\n".join(names)


@lru_cache(maxsize=4096)
def _glob_lines_rx(glob: str) -> re.Pattern[str] | None:
    rx = _glob_rx(glob)
    if rx is None:
        return None
    body = rx.pattern.replace("[^/]", "[^/\n]")
    try:
        return re.compile(f"^(?:{body})$", re.M)
    except re.error:
        return None


@lru_cache(maxsize=4096)
def _glob_rx(glob: str) -> re.Pattern[str] | None:
    rx = re.escape(glob).replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
    rx = re.sub(r"\\\[(.*?)\\\]", lambda m: "[" + m.group(1).replace("\\", "") + "]", rx)
    # like the shell, a wildcard does not match the leading dot of a file name
    rx = re.sub(r"(^|/)(\[\^/\]|\[)", r"\1(?!\.)\2", rx)
    try:
        return re.compile(rx)
    except re.error:
        return None


_RUNTIME_PARTS = (
    re.compile(r"\$\([^()]*\)"),  # innermost `$(…)` first, repeated
    re.compile(r"`[^`]*`"),
    re.compile(r"\$\{[^{}]*\}"),
    re.compile(r"\$(?:[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])"),
)


def expansions_as_glob(raw: str) -> str:
    """`/proc/$(pgrep app)/environ` → `/proc/*/environ`: each part known only at run time
    becomes `*`, so the path is judged by every file it could name."""
    text = raw
    for _ in range(8):
        before = text
        for rx in _RUNTIME_PARTS:
            text = rx.sub("*", text)
        if text == before:
            break
    return text.replace('"', "").replace("'", "")


def _redirect(r: Redirect, eff: Effects) -> None:
    if r.op in ("<<", "<<<"):
        return
    if r.target is None:
        return
    target = r.target.value
    if r.op in (">&", "<&") and (target.isdigit() or target == "-"):
        return
    if not r.target.literal:
        if r.op != "<":
            eff.dynamic_write = True
        else:  # `< /proc/$(pgrep app)/environ`: read as the glob of what it can be
            eff.reads.append(expansions_as_glob(r.target.raw))
        return
    if r.op == "<":
        eff.reads.append(target)
    elif r.op in (">>", "&>>"):
        eff.writes.append(target)
    elif r.op == "<>":
        eff.writes.append(target)
        eff.reads.append(target)
    else:
        eff.truncates.append(target)


def _program(inv: Invocation, eff: Effects) -> None:
    name, args = inv.name, inv.args
    pos = _positionals(args)
    handler = _HANDLERS.get(name)
    if handler is not None:
        handler(args, pos, eff)
    elif name not in _NO_READ:
        eff.reads.extend(pos)
    for w in args:  # option values like --in=FILE, @FILE uploads
        v = w.value
        if "=" in v and v.startswith("-"):
            eff.reads.append(v.split("=", 1)[1].lstrip("@"))
        elif v.startswith("@") and len(v) > 1:
            eff.reads.append(v[1:])
        elif "=@" in v or "=<" in v:
            eff.reads.append(v.split("=", 1)[1][1:].split(";", 1)[0])
    files = _CONFIG_FILES.get(name)
    if files:  # a config tester reads the file it is given and quotes it in its errors
        eff.reads.extend(_option_values(args, files))
    if name in ("ssh", "scp", "sftp", "rsync", "ssh-add", "git"):
        keys = set(_option_values(args, ["-i"]))
        eff.reads[:] = [p for p in eff.reads if p not in keys]


# options naming a configuration file a program reads (`nginx -t -c /etc/shadow` prints
# the lines it cannot parse: the first one of a password file is root's hash)
_CONFIG_FILES: dict[str, tuple[str, ...]] = {
    "nginx": ("-c",),
    "nginx-debug": ("-c",),
    "apachectl": ("-f",),
    "apache2ctl": ("-f",),
    "httpd": ("-f",),
    "sshd": ("-f",),
    "haproxy": ("-f",),
    "visudo": ("-f", "--file"),
    "varnishd": ("-f",),
    "php-fpm": ("-y", "--fpm-config", "-c", "--php-ini"),
    "mysqld": ("--defaults-file",),
    "mariadbd": ("--defaults-file",),
    "dovecot": ("-c",),
    "squid": ("-f",),
    "kamailio": ("-f",),
    "rsyslogd": ("-f",),
    "caddy": ("-c", "--config", "--envfile"),
}


# wrappers that read or write files of their own: (options naming a file read, … written)
_WRAPPER_FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "xargs": (("-a", "--arg-file"), ()),
    "sshpass": (("-f",), ()),
    "strace": ((), ("-o", "--output")),
    "ltrace": ((), ("-o", "--output")),
    "time": ((), ("-o", "--output")),
    "proxychains": (("-f",), ()),
    "proxychains4": (("-f",), ()),
}


def wrapper_effects(inv: Invocation, cwd: str | None) -> Effects:
    """What a wrapper itself does to files, from its own options only (`xargs -a LIST`
    reads LIST, `strace -o LOG` writes LOG); the command it runs is judged on its own."""
    eff = Effects()
    files = _WRAPPER_FILES.get(inv.name)
    if files is None:
        return eff
    own = own_args(inv.name, inv.args)
    reads, writes = files
    for found, opts in ((eff.reads, reads), (eff.truncates, writes)):
        found.extend(normalise_path(p, cwd) for p in _option_values(own, opts) if p)
        found[:] = [p for p in found if p not in _HARMLESS]
    return eff


def _rm(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    eff.deletes.extend(pos)


def _shred(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    eff.deletes.extend(pos)


def _truncate(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    sizes = _option_values(args, ["-s", "--size"])
    files = [p for p in pos if p not in sizes]
    if any(_SIZE0.match(s) for s in sizes):
        eff.truncates.extend(files)
    else:
        eff.writes.extend(files)


def _copy(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    target = _option_values(args, ["-t", "--target-directory"])
    if target:
        eff.truncates.extend(target)
        eff.reads.extend(pos)
        return
    if len(pos) >= 2:
        eff.reads.extend(pos[:-1])
        eff.truncates.append(pos[-1])
    elif pos:
        eff.reads.extend(pos)


def _move(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    if len(pos) >= 2:
        eff.deletes.extend(pos[:-1])
        eff.truncates.append(pos[-1])
    else:
        eff.deletes.extend(pos)


def _link(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    if len(pos) >= 2:
        eff.truncates.append(pos[-1])
    elif pos:
        eff.writes.append(posixpath.basename(pos[0]))


def _tee(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    (eff.writes if _has_flag(args, "a", "--append") else eff.truncates).extend(pos)


def _dd(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    for p in pos:
        if p.startswith("of="):
            eff.truncates.append(p[3:])
        elif p.startswith("if="):
            eff.reads.append(p[3:])


def _sed(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    scripted = bool(_option_values(args, ["-e", "--expression", "-f", "--file"]))
    files = pos if scripted else pos[1:]
    in_place = _has_flag(args, "i", "--in-place")
    (eff.writes if in_place else eff.reads).extend(files)
    for script in ([] if scripted else pos[:1]) + _option_values(args, ["-e", "--expression"]):
        for kind, path in sed_file_commands(script):
            (eff.writes if kind == "w" else eff.reads).append(path)


def sed_file_commands(script: str) -> list[tuple[str, str]]:
    """(`w`|`r`, path) for sed's file commands and the s///w flag (`policy.sed`)."""
    parsed = parse_sed(script)
    return [("w", p) for p in parsed.writes] + [("r", p) for p in parsed.reads]


def _perms(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    has_ref = any(w.value.startswith("--reference") for w in args)
    eff.perms.extend(pos if has_ref else pos[1:])


def _chattr(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    eff.perms.extend(p for p in pos if not p.startswith("+") and not p.startswith("="))
    eff.perms.extend(w.value for w in args if w.value.startswith("/"))


def _create(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    eff.writes.extend(pos)


def _output_opts(opts: list[str]) -> _Handler:
    def handler(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
        eff.truncates.extend(_option_values(args, opts))
        eff.reads.extend(p for p in pos if p.startswith(("/", "~", ".")))

    return handler


def _tar(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    first = args[0].value if args else ""
    mode = first if not first.startswith("-") else ""
    flags = mode + "".join(
        w.value for w in args if w.value.startswith("-") and not w.value.startswith("--")
    )
    archive = _option_values(args, ["-f", "--file"])
    if mode and "f" in mode and pos[1:]:
        archive.append(pos[1])
    if "c" in flags or any(w.value == "--create" for w in args):
        eff.truncates.extend(archive)
        eff.reads.extend(p for p in pos[1 if mode else 0 :] if p not in archive)
    elif "x" in flags or any(w.value in ("--extract", "--get") for w in args):
        eff.writes.extend(_option_values(args, ["-C", "--directory"]) or ["."])
        eff.reads.extend(archive)
    else:
        eff.reads.extend(archive)


def _rsync(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    if _has_flag(args, "n") or any(w.value == "--dry-run" for w in args):
        eff.reads.extend(p for p in pos if ":" not in p)  # `-n`: lists what it would copy
        return
    if len(pos) >= 2:
        eff.reads.extend(p for p in pos[:-1] if ":" not in p)
        dest = pos[-1]
        if ":" not in dest:
            deleting = any(w.value.startswith("--delete") for w in args)
            (eff.deletes if deleting else eff.writes).append(dest)


def _find(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    roots: list[str] = []
    for w in args:
        if w.value.startswith(("-", "(", "!", ")")):
            break
        roots.append(w.value)
    roots = roots or ["."]
    values = [w.value for w in args]
    if "-delete" in values:
        filtered = find_filtered(args)
        leaf = find_name_pattern(args) or "{}"
        for r in roots:
            eff.deletes.extend([f"{r}/**/{leaf}"] if filtered else [r, f"{r.rstrip('/')}/*"])
    eff.truncates.extend(_option_values(args, ["-fprint", "-fprint0", "-fprintf", "-fls"]))


def _editor(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    """An editor opened on files may save them: each file is read and may be written."""
    files = [p for p in pos if not p.startswith("+")]
    eff.reads.extend(files)
    eff.writes.extend(files)


_XXD_VALUES = frozenset(["-c", "-g", "-l", "-n", "-o", "-s", "-R", "-cols", "-len", "-seek"])


def _xxd(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    """`xxd [opts] [infile [outfile]]`: the second operand is written."""
    files = _operands(args, _XXD_VALUES)
    eff.reads.extend(files[:1])
    eff.truncates.extend(files[1:2])


_PATCH_VALUES = frozenset(
    ["-p", "-i", "-F", "-D", "-d", "-o", "-r", "-B", "-V", "-Y", "-z", "-g"]
)


def _patch(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    """`patch [opts] [originalfile [patchfile]]`: the original is rewritten (unless
    `--dry-run`), `-o FILE` and `-r FILE` are written, `-i FILE` is the patch read."""
    if any(w.value == "--dry-run" for w in args):
        return
    files = _operands(args, _PATCH_VALUES)
    eff.writes.extend(files[:1])
    eff.reads.extend(files[1:2] + _option_values(args, ["-i", "--input"]))
    eff.writes.extend(_option_values(args, ["-o", "--output", "-r", "--reject-file"]))


_SCRIPT_VALUES = frozenset(
    ["-c", "--command", "-E", "--echo", "-o", "--output-limit", "-m", "--logging-format"]
)
_SCRIPT_LOGS = ("-O", "--log-out", "-I", "--log-in", "-B", "--log-io", "-T", "--log-timing")


def _script(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    """`script [-c CMD] [FILE]` records the session into FILE (`typescript` by default)."""
    logs = _option_values(args, _SCRIPT_LOGS)
    files = _operands(args, _SCRIPT_VALUES | frozenset(_SCRIPT_LOGS))
    out = files[:1] or ([] if logs else ["typescript"])
    (eff.writes if _has_flag(args, "a", "--append") else eff.truncates).extend(out + logs)


def _names_from_file(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    """`file -f LIST` reads LIST and echoes its lines in its errors; operands are only probed."""
    eff.reads.extend(_option_values(args, ["-f", "--files-from"]))


def _openssl(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    eff.reads.extend(
        _option_values(
            args,
            [
                "-in",
                "-inkey",
                "-key",
                "-kfile",
                "-CAkey",
                "-signkey",
                "-prverify",
                "-recip",
                "-cert",
            ],
        )
    )
    for v in _option_values(args, ["-pass", "-passin", "-passout", "-kfile"]):
        if v.startswith("file:"):
            eff.reads.append(v[5:])
    eff.truncates.extend(_option_values(args, ["-out", "-keyout", "-writerand"]))


def _ssh_keygen(args: Sequence[Word], pos: list[str], eff: Effects) -> None:
    """`-y`/`-e` read the key file `-f` (and print what it derives); generating writes it;
    fingerprints (`-l`) and known_hosts queries read no key material."""
    files = _option_values(args, ["-f"])
    if _has_flag(args, "y") or _has_flag(args, "e"):
        eff.reads.extend(files)
    elif not any(_has_flag(args, f) for f in "lFBDHR"):
        eff.writes.extend(files)


_EDITORS = (
    "vi",
    "vim",
    "nvim",
    "vim.basic",
    "vim.tiny",
    "nano",
    "pico",
    "emacs",
    "mcedit",
    "joe",
    "jed",
    "micro",
    "ed",
    "ex",
    "sudoedit",
)
_HANDLERS: dict[str, _Handler] = {name: _editor for name in _EDITORS}
_HANDLERS.update(
    {
        "rm": _rm,
        "unlink": _rm,
        "rmdir": _rm,
        "shred": _shred,
        "wipe": _rm,
        "srm": _rm,
        "truncate": _truncate,
        "cp": _copy,
        "install": _copy,
        "mv": _move,
        "ln": _link,
        "tee": _tee,
        "dd": _dd,
        "sed": _sed,
        "chmod": _perms,
        "chown": _perms,
        "chgrp": _perms,
        "setfacl": _perms,
        "chattr": _chattr,
        "touch": _create,
        "mkdir": _create,
        "mkfifo": _create,
        "mknod": _create,
        "tar": _tar,
        "find": _find,
        "rsync": _rsync,
        "scp": _rsync,
        "sort": _output_opts(["-o", "--output"]),
        "shuf": _output_opts(["-o", "--output"]),
        "tree": _output_opts(["-o"]),
        "iconv": _output_opts(["-o", "--output"]),
        "xxd": _xxd,
        "patch": _patch,
        "script": _script,
        "file": _names_from_file,
        "openssl": _openssl,
        "ssh-keygen": _ssh_keygen,
        "wget": _output_opts(["-O", "--output-document", "-o", "--output-file"]),
        "curl": _output_opts(
            [
                "-o",
                "--output",
                "-c",
                "--cookie-jar",
                "--trace",
                "--trace-ascii",
                "-D",
                "--dump-header",
            ]
        ),
    }
)
