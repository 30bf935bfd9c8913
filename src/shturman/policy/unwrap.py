"""Wrappers: commands that run other commands (`sudo`, `env`, `timeout`, `sh -c`, `ssh`,
`docker exec`, `find -exec`, `xargs`, `watch`, …). Unwrapping turns one simple command into
the chain of programs it really runs, plus shell scripts hidden in string arguments."""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field

from shturman.policy.shell import Word

PLACEHOLDER = "{}"  # a file name only known at run time (find -exec, xargs)
SHELLS = frozenset(
    {
        "sh",
        "bash",
        "dash",
        "zsh",
        "ksh",
        "mksh",
        "ash",
        "fish",
        "csh",
        "tcsh",
        "busybox-sh",
        "rbash",
        "yash",
        "posh",
    }
)

# name -> (options that take a value, number of positionals to skip before the command)
_SIMPLE: dict[str, tuple[frozenset[str], int]] = {
    "sudo": (
        frozenset(
            [
                "-u",
                "-g",
                "-C",
                "-D",
                "-h",
                "-p",
                "-r",
                "-t",
                "-U",
                "-T",
                "--user",
                "--group",
                "--chdir",
                "--prompt",
                "--role",
                "--type",
                "--other-user",
                "--host",
                "--close-from",
                "--command-timeout",
            ]
        ),
        0,
    ),
    "doas": (frozenset({"-u", "-C"}), 0),
    "pkexec": (frozenset({"--user"}), 0),
    "env": (frozenset({"-u", "--unset", "-C", "--chdir"}), 0),
    "timeout": (frozenset({"-s", "--signal", "-k", "--kill-after"}), 1),
    "nice": (frozenset({"-n", "--adjustment"}), 0),
    "ionice": (frozenset({"-c", "-n", "--class", "--classdata"}), 0),
    "nohup": (frozenset(), 0),
    "stdbuf": (frozenset({"-i", "-o", "-e", "--input", "--output", "--error"}), 0),
    "time": (frozenset({"-f", "-o", "--format", "--output"}), 0),
    "command": (frozenset(), 0),
    "builtin": (frozenset(), 0),
    "exec": (frozenset({"-a"}), 0),
    "setsid": (frozenset(), 0),
    "chrt": (frozenset(), 1),
    "numactl": (
        frozenset(
            [
                "-N",
                "-m",
                "-C",
                "-i",
                "-p",
                "-P",
                "--cpunodebind",
                "--membind",
                "--physcpubind",
                "--interleave",
                "--preferred",
            ]
        ),
        0,
    ),
    "taskset": (frozenset(), 1),
    "unbuffer": (frozenset(), 0),
    "chroot": (frozenset({"--userspec", "--groups"}), 1),
    "nsenter": (frozenset({"-t", "--target", "-S", "-G", "--setuid", "--setgid"}), 0),
    "strace": (frozenset({"-o", "-p", "-e", "-s", "-u", "-E", "-P"}), 0),
    "ltrace": (frozenset({"-o", "-p", "-e", "-s", "-u"}), 0),
    "busybox": (frozenset(), 0),
    "sshpass": (frozenset({"-p", "-f", "-d", "-P"}), 0),
    "fakeroot": (frozenset(), 0),
    "firejail": (frozenset(), 0),
    "proxychains": (frozenset({"-f"}), 0),
    "proxychains4": (frozenset({"-f"}), 0),
    "torsocks": (frozenset(), 0),
    "caffeinate": (frozenset(), 0),
    "flock": (frozenset({"-w", "--timeout", "-E", "--conflict-exit-code"}), 1),
    "systemd-run": (
        frozenset(
            [
                "-p",
                "--property",
                "-u",
                "--unit",
                "-M",
                "--machine",
                "--on-calendar",
                "--on-active",
                "--description",
                "--slice",
                "-E",
                "--setenv",
                "--uid",
                "--gid",
            ]
        ),
        0,
    ),
    "nocache": (frozenset(), 0),
    "catchsegv": (frozenset(), 0),
    "xvfb-run": (frozenset({"-a", "-s", "-n"}), 0),
    "unshare": (frozenset(), 0),
    "runuser": (frozenset({"-u", "-g", "-G", "--user", "--group"}), 0),
}
_SHELL_VALUE_OPTS = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})
_SSH_VALUE_OPTS = frozenset(
    [
        "-b",
        "-c",
        "-D",
        "-E",
        "-e",
        "-F",
        "-I",
        "-i",
        "-J",
        "-L",
        "-l",
        "-m",
        "-O",
        "-o",
        "-p",
        "-Q",
        "-R",
        "-S",
        "-W",
        "-w",
        "-B",
    ]
)
_XARGS_VALUE_OPTS = frozenset(
    [
        "-I",
        "-n",
        "-L",
        "-P",
        "-d",
        "-E",
        "-s",
        "-a",
        "-e",
        "-l",
        "--max-args",
        "--max-lines",
        "--max-procs",
        "--delimiter",
        "--arg-file",
        "--eof",
        "--replace",
        "--max-chars",
    ]
)
_DOCKER_EXEC_OPTS = frozenset(
    {"-e", "--env", "--env-file", "-u", "--user", "-w", "--workdir", "--detach-keys", "--index"}
)
_KUBECTL_OPTS = frozenset(
    {
        "-n",
        "--namespace",
        "-c",
        "--container",
        "--context",
        "--kubeconfig",
        "--cluster",
        "--user",
        "-f",
        "--filename",
        "--pod-running-timeout",
        "--request-timeout",
        "-s",
        "--server",
    }
)
_DOCKER_GLOBAL_OPTS = frozenset(
    {
        "-H",
        "--host",
        "--context",
        "-c",
        "--config",
        "-l",
        "--log-level",
        "-f",
        "--file",
        "-p",
        "--project-name",
        "--env-file",
        "--project-directory",
        "--profile",
    }
)
_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
FIND_FILTERS = frozenset(
    [
        "-name",
        "-iname",
        "-path",
        "-ipath",
        "-wholename",
        "-iwholename",
        "-regex",
        "-iregex",
        "-mtime",
        "-mmin",
        "-atime",
        "-amin",
        "-ctime",
        "-cmin",
        "-newer",
        "-size",
        "-user",
        "-group",
        "-uid",
        "-gid",
        "-perm",
        "-empty",
        "-links",
        "-inum",
        "-samefile",
        "-nouser",
        "-nogroup",
        "-lname",
        "-ilname",
        "-used",
        "-newermt",
    ]
)
# a cluster of ssh's flags holding -V (version) or -G (print the configuration)
_SSH_QUERY = re.compile(r"-[46AaCfGgKkMNnqsTtVvXxYy]*[GV][46AaCfGgKkMNnqsTtVvXxYy]*")


@dataclass(frozen=True, slots=True)
class Invocation:
    """One program in a wrapper chain, with its own arguments."""

    name: str
    args: tuple[Word, ...]
    via: tuple[str, ...] = ()
    remote: bool = False
    unknown_args: bool = False  # xargs/find append file names known only at run time
    find_roots: tuple[str, ...] = ()

    @property
    def argv(self) -> list[str]:
        return [self.name, *(w.value for w in self.args)]

    def text(self) -> str:
        return " ".join(self.argv)


@dataclass(slots=True)
class Unwrapped:
    chain: list[Invocation] = field(default_factory=list)  # outermost first
    scripts: list[tuple[str, str]] = field(default_factory=list)  # (origin, shell source)
    dynamic: list[str] = field(default_factory=list)  # origins of run-time scripts
    interactive: bool = False
    env: list[str] = field(default_factory=list)  # NAME=VALUE set by env/sudo
    startup: list[str] = field(default_factory=list)  # files a shell runs first (--rcfile)

    @property
    def inner(self) -> Invocation:
        return self.chain[-1]


def program_name(value: str) -> str:
    """`/usr/bin/../bin/rm` → `rm`; `./deploy.sh` stays a path-like name `deploy.sh`."""
    if "/" in value:
        value = posixpath.basename(posixpath.normpath(value.rstrip("/") or "/"))
    return value


def _split(args: list[Word], value_opts: frozenset[str], skip: int) -> tuple[int, list[Word]]:
    """Index where the wrapped command starts, and the wrapper's own options."""
    i = 0
    own: list[Word] = []
    while i < len(args):
        v = args[i].value
        if v == "--":
            return i + 1, own
        if (v.startswith("-") and len(v) > 1 and not v.lstrip("-").isdigit()) or (
            v.startswith("-") and v[1:].isdigit()
        ):
            own.append(args[i])
            if v in value_opts or (not v.startswith("--") and len(v) == 2 and v in value_opts):
                if i + 1 < len(args):
                    own.append(args[i + 1])
                i += 2
                continue
            i += 1
            continue
        if "=" in v and not v.startswith("=") and skip == 0 and _is_env_assignment(v):
            own.append(args[i])
            i += 1
            continue
        if skip:
            skip -= 1
            own.append(args[i])
            i += 1
            continue
        return i, own
    return i, own


def _is_env_assignment(v: str) -> bool:
    name = v.split("=", 1)[0]
    return name.replace("_", "a").isalnum() and not name[0].isdigit()


def _join(words: list[Word]) -> tuple[str, bool]:
    return " ".join(w.value for w in words), all(w.literal for w in words)


def unwrap(name: str, args: list[Word], depth: int = 0) -> Unwrapped:
    out = Unwrapped()
    _unwrap_into(out, name, args, (), depth)
    return out


def _unwrap_into(
    out: Unwrapped,
    name: str,
    args: list[Word],
    via: tuple[str, ...],
    depth: int,
    remote: bool = False,
) -> None:
    out.chain.append(Invocation(name, tuple(args), via, remote))
    if depth > 12:
        out.dynamic.append("wrapper nesting too deep")
        return
    nxt = _next(out, name, args)
    if nxt is None:
        return
    inner_args, flags = nxt
    if not inner_args:
        return
    head = inner_args[0]
    if not head.literal:
        out.dynamic.append(f"{name}: command is not literal")
        out.chain.append(
            Invocation(
                program_name(head.value),
                tuple(inner_args[1:]),
                (*via, name),
                remote or "remote" in flags,
            )
        )
        return
    inner_name = program_name(head.value)
    if "xargs" in flags or "find" in flags:
        prev = out.chain[-1]
        out.chain.append(
            Invocation(
                inner_name, tuple(inner_args[1:]), (*via, name), remote, True, prev.find_roots
            )
        )
        _unwrap_into_tail(out, (*via, name), depth)
        return
    _unwrap_into(
        out, inner_name, inner_args[1:], (*via, name), depth + 1, remote or "remote" in flags
    )


def _unwrap_into_tail(out: Unwrapped, via: tuple[str, ...], depth: int) -> None:
    last = out.chain.pop()
    sub = Unwrapped()
    _unwrap_into(sub, last.name, list(last.args), via, depth + 1, last.remote)
    sub.chain = [
        Invocation(i.name, i.args, i.via, i.remote, True, last.find_roots) for i in sub.chain
    ]
    out.chain.extend(sub.chain)
    out.scripts.extend(sub.scripts)
    out.dynamic.extend(sub.dynamic)
    out.interactive = out.interactive or sub.interactive
    out.startup.extend(sub.startup)


# distributions that bundle a client as a subcommand: the client runs with the rest
_BUNDLED = {
    "k3s": frozenset(["kubectl", "crictl", "ctr"]),
    "microk8s": frozenset(["kubectl", "ctr", "helm", "helm3"]),
    "minikube": frozenset(["kubectl"]),
    "k0s": frozenset(["kubectl", "ctr"]),
}


def _next(out: Unwrapped, name: str, args: list[Word]) -> tuple[list[Word], set[str]] | None:
    """The wrapped command's words, or None when `name` wraps nothing."""
    if name in _SIMPLE:
        if name == "command" and args and args[0].value in ("-v", "-V"):
            return None
        if (
            name in ("sudo", "runuser")
            and any(a.value in ("-i", "-s", "--login", "--shell") for a in args)
            and _only_opts(args)
        ):
            out.interactive = True
            return None
        value_opts, skip = _SIMPLE[name]
        if name == "ionice" and any(a.value == "-p" for a in args):
            return None
        if name == "env":
            return _env(out, args)
        if name in ("flock", "runuser") and _script_opt(out, name, args, ("-c", "--command")):
            return None
        start, _ = _split(args, value_opts, skip)
        for w in args[:start]:
            if "=" in w.value and _is_env_assignment(w.value):
                out.env.append(w.value)
        return args[start:], set()
    if name in _BUNDLED and args and args[0].value in _BUNDLED[name]:
        # `k3s kubectl get pods`, `microk8s kubectl …`, `minikube kubectl -- get pods`
        rest = args[2:] if args[1:2] and args[1].value == "--" else args[1:]
        return [args[0], *rest], set()
    if name in SHELLS:
        return _shell(out, name, args)
    if name in ("su", "sg"):
        if not _script_opt(out, name, args, ("-c", "--command")):
            out.interactive = True
        return None
    if name == "script":  # without -c it starts the user's shell
        if _script_opt(out, name, args, ("-c", "--command")):
            return None
        return [Word("sh", "sh")], set()
    if name in ("eval", "watch") and args:
        if name == "watch":
            start, _ = _split(args, frozenset({"-n", "--interval", "-d", "-q"}), 0)
            args = args[start:]
        text, literal = _join(args)
        if literal:
            out.scripts.append((name, text))
        else:
            out.dynamic.append(name)
        return None
    if name in ("ssh", "autossh"):
        start, _ = _split(args, _SSH_VALUE_OPTS, 1)
        if any(_SSH_QUERY.fullmatch(a.value) for a in args[:start]):
            return None  # `ssh -V`, `ssh -G HOST`: prints and exits, runs nothing there
        if start >= len(args):
            out.interactive = True
            return None
        text, literal = _join(args[start:])
        if literal:
            out.scripts.append((f"{name} (remote)", text))
        else:
            out.dynamic.append(f"{name} remote command")
        return None
    if name in ("docker", "podman", "docker-compose", "kubectl", "oc"):
        return _container_exec(out, name, args)
    if name == "xargs":
        start, own = _split(args, _XARGS_VALUE_OPTS, 0)
        rest = args[start:] or [Word("echo", "echo")]
        marker = next(
            (own[i + 1].value for i, w in enumerate(own[:-1]) if w.value in ("-I", "--replace")),
            None,
        )
        if marker:
            rest = [Word(w.value.replace(marker, PLACEHOLDER), w.raw, w.literal) for w in rest]
        return rest, {"xargs"}
    if name == "find":
        return _find(out, args)
    return None


def own_args(name: str, args: Sequence[Word]) -> list[Word]:
    """The words a wrapper keeps for itself: its options before the command it runs."""
    if name == "xargs":
        return _split(list(args), _XARGS_VALUE_OPTS, 0)[1]
    if name in _SIMPLE and name != "env":
        value_opts, skip = _SIMPLE[name]
        return _split(list(args), value_opts, skip)[1]
    return []


def _only_opts(args: list[Word]) -> bool:
    start, _ = _split(args, _SIMPLE["sudo"][0], 0)
    return start >= len(args)


def _script_opt(out: Unwrapped, name: str, args: list[Word], opts: tuple[str, ...]) -> bool:
    for i, w in enumerate(args):
        if w.value in opts and i + 1 < len(args):
            script = args[i + 1]
            if script.literal:
                out.scripts.append((f"{name} {w.value}", script.value))
            else:
                out.dynamic.append(f"{name} {w.value}")
            return True
        if w.value.startswith("--command="):
            out.scripts.append((name, w.value.split("=", 1)[1]))
            return True
    return False


def _env(out: Unwrapped, args: list[Word]) -> tuple[list[Word], set[str]] | None:
    i = 0
    while i < len(args):
        v = args[i].value
        if (v in ("-S", "--split-string") and i + 1 < len(args)) or (
            v.startswith("-S") and len(v) > 2
        ):
            text = args[i + 1].value if v in ("-S", "--split-string") else v[2:]
            rest = " ".join(w.value for w in args[i + 2 :])
            out.scripts.append(("env -S", f"{text} {rest}".strip()))
            return None
        if v in ("-u", "--unset", "-C", "--chdir"):
            i += 2
            continue
        if v == "--":
            i += 1
            break
        if v.startswith("-") and len(v) > 1:
            i += 1
            continue
        if "=" in v and _is_env_assignment(v):
            out.env.append(v)
            i += 1
            continue
        break
    return (args[i:], set()) if i < len(args) else None


def _shell(out: Unwrapped, name: str, args: list[Word]) -> tuple[list[Word], set[str]] | None:
    i = 0
    has_c = has_s = False
    while i < len(args):
        v = args[i].value
        if v in ("--", "-"):  # a lone `-` ends options like `--` (`curl … | bash -`)
            i += 1
            break
        if v in _SHELL_VALUE_OPTS:
            if v in ("--rcfile", "--init-file") and i + 1 < len(args):
                out.startup.append(args[i + 1].value)  # an interactive shell runs it
            i += 2
            continue
        if v.startswith("--"):
            i += 1
            continue
        if v[:1] in "-+" and len(v) > 1:
            has_c = has_c or "c" in v[1:]
            has_s = has_s or (v[0] == "-" and "s" in v[1:])
            i += 1
            continue
        break
    if has_c:
        if i >= len(args):
            out.dynamic.append(f"{name} -c without a script")
        elif args[i].value.lstrip().startswith(PLACEHOLDER):
            # `… | xargs -I{} sh -c '{}'`: each input line is the command line itself
            out.dynamic.append(f"{name} -c with each input line as its script")
        elif args[i].literal:
            out.scripts.append((f"{name} -c", args[i].value))
            bound = bind_positionals(args[i].value, args[i + 1 :])
            if bound is not None:
                out.scripts.append((f"{name} -c (arguments)", bound))
        else:
            out.dynamic.append(f"{name} -c")
        return None
    if any(a.value in ("--version", "--help") for a in args[:i]):
        return None  # prints and exits, whatever else is on the line: it reads no script
    if i >= len(args) or has_s:
        out.interactive = True  # reads its script from stdin: judged by the caller
    return None


_POSITIONAL = re.compile(r'"\$(?:[0-9@*]|\{(?:[0-9]+|[@*])\})"|\$(?:[0-9@*]|\{(?:[0-9]+|[@*])\})')


def bind_positionals(script: str, words: Sequence[Word]) -> str | None:
    """`sh -c 'rm -rf "$1"' _ /`: the script with `$0`, `$1`…, `"$@"` replaced by the words
    after it, so the commands it runs with them are judged too (None when it names none).
    A computed word stays a variable (`$1` for `"$DIR"`): the script is judged with what
    the shell is known to pass, the original (with unknown `$1`) is judged as well."""
    if not words or "$" not in script:
        return None
    values = [w.value if w.literal else f"${{_arg{n}}}" for n, w in enumerate(words)]
    quoted = [shlex.quote(v) if not v.startswith("${_arg") else f'"{v}"' for v in values]

    def one(m: re.Match[str]) -> str:
        token = m.group().strip('"').strip("${}")
        if token in ("@", "*"):
            return " ".join(quoted[1:])
        n = int(token)
        return quoted[n] if n < len(quoted) else "''"

    bound = _POSITIONAL.sub(one, script)
    return bound if bound != script else None


def _container_exec(
    out: Unwrapped, name: str, args: list[Word]
) -> tuple[list[Word], set[str]] | None:
    start, _ = _split(args, _DOCKER_GLOBAL_OPTS | _KUBECTL_OPTS, 0)
    rest = args[start:]
    if rest and rest[0].value in ("compose", "container") and len(rest) > 1:
        start2, _ = _split(rest[1:], _DOCKER_GLOBAL_OPTS, 0)
        rest = rest[1 + start2 :]
    if not rest or rest[0].value != "exec":
        return None
    rest = rest[1:]
    if name in ("kubectl", "oc"):
        dash = next((i for i, w in enumerate(rest) if w.value == "--"), None)
        if dash is not None:
            inner = rest[dash + 1 :]
        else:
            start, _ = _split(rest, _KUBECTL_OPTS, 1)
            inner = rest[start:]
    else:
        start, _ = _split(rest, _DOCKER_EXEC_OPTS, 1)
        inner = rest[start:]
    if not inner:
        out.interactive = True
        return None
    return inner, {"remote"}


def _find(out: Unwrapped, args: list[Word]) -> tuple[list[Word], set[str]] | None:
    roots = []
    for w in args:
        if w.value.startswith(("-", "(", "!", ")")):
            break
        roots.append(w.value)
    filtered = find_filtered(args)
    placeholder = PLACEHOLDER if filtered else None
    leaf = find_name_pattern(args) or PLACEHOLDER
    for i, w in enumerate(args):
        if w.value in _FIND_EXEC:
            end = next(
                (j for j in range(i + 1, len(args)) if args[j].value in (";", "+")), len(args)
            )
            inner = list(args[i + 1 : end])
            if placeholder is None:
                subst = [f"{r.rstrip('/') or ''}/*" for r in (roots or ["."])]
                inner = [
                    Word(" ".join(subst), x.raw, x.literal) if x.value == PLACEHOLDER else x
                    for x in inner
                ]
            inner = [
                Word(
                    x.value.replace(PLACEHOLDER, f"{roots[0] if roots else '.'}/**/{leaf}")
                    if PLACEHOLDER in x.value
                    else x.value,
                    x.raw,
                    x.literal,
                )
                for x in inner
            ]
            out.chain[-1] = Invocation(
                out.chain[-1].name,
                out.chain[-1].args,
                out.chain[-1].via,
                out.chain[-1].remote,
                find_roots=tuple(roots or ["."]),
            )
            return _expand_subst(inner), {"find"}
    return None


def _trivial_name(pattern: str) -> bool:
    return not pattern.strip("*?") or pattern in ("*.*", ".*")


def find_filtered(args: Sequence[Word]) -> bool:
    """True when a find has a test that narrows which files it acts on (`-name '*'` does
    not)."""
    for i, w in enumerate(args):
        if w.value in FIND_FILTERS:
            if w.value in ("-name", "-iname", "-path", "-ipath", "-wholename", "-regex") and (
                i + 1 < len(args) and _trivial_name(args[i + 1].value)
            ):
                continue
            return True
    return False


def find_name_pattern(args: Sequence[Word]) -> str | None:
    """The file-name glob of a `find … -name PATTERN` with one name test (None otherwise):
    the files `-exec`/`-delete` act on are then known to be named like it."""
    names = [
        args[i + 1].value
        for i, w in enumerate(args[:-1])
        if w.value in ("-name", "-iname") and args[i + 1].literal
    ]
    if len(names) != 1 or "/" in names[0] or _trivial_name(names[0]):
        return None
    if any(w.value in ("-o", "-or", "!", "-not") for w in args):
        return None
    return names[0]


def _expand_subst(words: list[Word]) -> list[Word]:
    out: list[Word] = []
    for w in words:
        if " " in w.value and w.value.endswith("/*"):
            out.extend(Word(p, w.raw, w.literal) for p in w.value.split(" "))
        else:
            out.append(w)
    return out
