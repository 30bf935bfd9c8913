"""A runtime directory is gone (``/run`` is emptied at every boot): the parent of the unit's
PIDFile=, or the directory of a file the service could not create ("cannot create pid file
/run/app/app.pid: No such file or directory"). It is created (a `confirm` step) as the
tmpfiles.d entry that declares it says (mode, owner), else owned by the unit's User=/Group=;
the report names the permanent fix (RuntimeDirectory= or a tmpfiles.d entry).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from shturman.agent.remedies.evidence import Evidence, paths_in
from shturman.tools import ToolContext

NO_SUCH_RE = re.compile(r"No such file or directory|ENOENT|errno 2\b|\(2: |does not exist",
                        re.IGNORECASE)
# a file the service makes at start: its directory is runtime state, not content
RUNTIME_FILE_RE = re.compile(r"\.(?:pid|sock|socket|lock|lck)$")
RUNTIME_PART_RE = re.compile(r"(?:^|/)(?:var/)?run/")
TMPFILES_DIRS = ("etc/tmpfiles.d", "run/tmpfiles.d", "usr/lib/tmpfiles.d")
DEFAULT_MODE = "0755"
MAX_MISSING_LEVELS = 3
MKDIR_MODE_RE = re.compile(r"^(?:-m|--mode)=?(0?[0-7]{3})$")


@dataclass(frozen=True, slots=True)
class Declared:
    """How a tmpfiles.d line declares a directory: ``d /run/app 0755 app app -``."""

    source: str
    mode: str
    user: str | None
    group: str | None


def runtime_dirs(ev: Evidence) -> list[str]:
    """Directories the service needs at start: PIDFile='s parent, the parent of a runtime file
    (pid, socket, lock, or any file under a ``run/`` directory) its log says is missing, and a
    directory under ``run/`` the log names itself."""
    wanted = [_parent(p) for p in ev.unit_values("PIDFile") if p.startswith("/")]
    for line in ev.logs.splitlines():
        if not NO_SUCH_RE.search(line):
            continue
        for path in paths_in(line):
            under_run = bool(RUNTIME_PART_RE.search(_parent(path) + "/"))
            if RUNTIME_FILE_RE.search(path) or (under_run and "." in _name(path)):
                wanted.append(_parent(path))
            elif under_run:
                wanted.append(path.rstrip("/"))
    return [d for d in dict.fromkeys(wanted) if d.count("/") >= 2]


def _name(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _parent(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[0]


async def recreate_runtime_dir(ctx: ToolContext, ev: Evidence) -> str | None:
    """Create each missing runtime directory, and its missing parents below the ``run/``
    directory itself (one level at a time, each as declared or owned by the unit's User=);
    a path whose ``run/`` directory is gone too is a wrong path, not a lost directory."""
    fixed = []
    for directory in runtime_dirs(ev):
        chain = await _missing_chain(ctx, ev.server, directory)
        for level in chain:
            declared = await _declared(ctx, ev.server, level)
            said = await _create(ctx, ev, level, declared)
            if not said:
                break
            fixed.append(said)
    return "; ".join(fixed) or None


async def _missing_chain(ctx: ToolContext, server: str, directory: str) -> list[str]:
    """The missing directories from the topmost one down to ``directory`` (empty when it
    exists, or when the nearest existing ancestor is above the ``run/`` directory)."""
    chain: list[str] = []
    level = directory
    while level.count("/") >= 2 and len(chain) < MAX_MISSING_LEVELS:
        if (await ctx.sh(server, f"test -d {shlex.quote(level)}")).exit_code == 0:
            below_run = bool(RUNTIME_PART_RE.search(level + "/"))
            return chain[::-1] if below_run or not chain else []
        chain.append(level)
        level = _parent(level)
    return []


async def _create(ctx: ToolContext, ev: Evidence, directory: str, declared: Declared | None
                  ) -> str | None:
    mode = declared.mode if declared else _mkdir_mode(ev, directory) or DEFAULT_MODE
    user = (declared.user if declared else None) or ev.user
    group = (declared.group if declared else None) or ev.group
    q = shlex.quote(directory)
    made = await ctx.sh(ev.server, f"mkdir {q} && chmod {mode} {q}")
    if made.outcome != "ok":
        return None
    owner = ""
    me = (await ctx.sh(ev.server, "id -un")).stdout.strip()
    if user and (user != me or (group and group != user)):
        owner = f"{user}:{group or ''}"
        done = await ctx.sh(ev.server, f"chown {shlex.quote(owner)} {shlex.quote(directory)}")
        if done.outcome != "ok":
            owner = ctx.say(f"(сменить владельца на {owner} не удалось)",
                            f"(could not make {owner} its owner)")
    owned = f", {owner}" if owner else ""
    return ctx.say(
        f"каталога {directory} не было (runtime-каталог, очищается при перезагрузке): создан "
        f"с правами {mode}{owned}. {_permanent_fix(ctx, ev, directory, declared)}",
        f"runtime directory {directory} was missing (it is emptied at boot): created it with "
        f"mode {mode}{owned}. {_permanent_fix(ctx, ev, directory, declared)}")


def _mkdir_mode(ev: Evidence, directory: str) -> str | None:
    """The mode the unit's own ``ExecStartPre=mkdir -m MODE DIR`` gives ``directory``."""
    for argv in ev.commands:
        if argv and argv[0].rsplit("/", 1)[-1] == "mkdir" and directory in argv:
            for i, arg in enumerate(argv):
                joined = f"{arg}={argv[i + 1]}" if arg in ("-m", "--mode") and i + 1 < len(
                    argv) else arg
                if match := MKDIR_MODE_RE.match(joined):
                    return match.group(1).zfill(4)
    return None


def _permanent_fix(ctx: ToolContext, ev: Evidence, directory: str,
                   declared: Declared | None) -> str:
    if declared is not None:
        return ctx.say(
            f"Он объявлен в {declared.source}: при загрузке его создаёт systemd-tmpfiles — "
            f"проверьте, что systemd-tmpfiles-setup отрабатывает, или перенесите его в юнит "
            f"(RuntimeDirectory=)",
            f"It is declared in {declared.source}: systemd-tmpfiles creates it at boot — check "
            f"that systemd-tmpfiles-setup runs, or move it into the unit (RuntimeDirectory=)")
    name = RUNTIME_PART_RE.split(directory, maxsplit=1)[-1]
    entry = f"d {directory} {DEFAULT_MODE} {ev.user or 'root'} {ev.group or ev.user or 'root'} -"
    return ctx.say(
        f"Чтобы он не пропадал после перезагрузки: RuntimeDirectory={name} в [Service] юнита "
        f"{ev.service} или строка tmpfiles.d «{entry}»",
        f"To keep it across reboots: RuntimeDirectory={name} in the [Service] section of "
        f"{ev.service}, or the tmpfiles.d line `{entry}`")


async def _declared(ctx: ToolContext, server: str, directory: str) -> Declared | None:
    """The tmpfiles.d line that declares ``directory`` (looked up under the same root as the
    directory's ``run/``: ``/etc/tmpfiles.d`` on a host, ``ROOT/etc/tmpfiles.d`` in a chroot)."""
    root = RUNTIME_PART_RE.split(directory, maxsplit=1)[0] if RUNTIME_PART_RE.search(
        directory) else ""
    dirs = " ".join(shlex.quote(f"{root.rstrip('/')}/{d}") for d in TMPFILES_DIRS)
    found = await ctx.sh(server, f"grep -rHs -- {shlex.quote(directory)} {dirs}")
    return parse_tmpfiles(found.stdout, directory)


def parse_tmpfiles(grep_output: str, directory: str) -> Declared | None:
    """The ``d``/``D`` line for ``directory`` in `grep -H` output (``FILE:d PATH MODE USER
    GROUP AGE``); ``-`` fields are left to the defaults."""
    for line in grep_output.splitlines():
        source, _, entry = line.partition(":")
        fields = entry.split()
        if len(fields) < 2 or fields[0] not in ("d", "D") or fields[1].rstrip("/") != directory:
            continue
        mode = fields[2] if len(fields) > 2 and re.fullmatch(r"0?[0-7]{3}", fields[2]) else (
            DEFAULT_MODE)
        user = fields[3] if len(fields) > 3 and fields[3] != "-" else None
        group = fields[4] if len(fields) > 4 and fields[4] != "-" else None
        return Declared(source, mode.zfill(4), user, group)
    return None
