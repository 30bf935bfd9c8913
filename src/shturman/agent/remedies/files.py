"""Paths the service needs: a missing directory or file, a wrong permission, a log flood, a
log directory filled by the rotated copies of its own log.

The paths come from the service's own error lines (a relative one resolved against the unit's
WorkingDirectory) and its unit (WorkingDirectory, ExecStart arguments, log paths), never from
a known layout.
"""

from __future__ import annotations

import re
import shlex

from shturman.agent.remedies.evidence import Evidence, Finding, paths_in, relative_paths_in
from shturman.agent.remedies.runtime import runtime_dirs
from shturman.hosts.facts import COMPRESSED, backup_candidates
from shturman.tools import ToolContext

LOG_FLOOD_BYTES = 50 * 1024 * 1024
NO_SPACE_RE = re.compile(r"No space left on device|ENOSPC|errno 28\b|\(28: ", re.IGNORECASE)
MISSING_RE = re.compile(r"No such file or directory|not found|does not exist|ENOENT|"
                        r"errno 2\b|\(2: |missing", re.IGNORECASE)
DISK_FULL_PERCENT = 95
FLOOD_TAIL_LINES = 200
MAX_LOGS = 3
# what logrotate leaves beside NAME.log: NAME.log.1, NAME.log.2.gz, NAME.log-20261201[.gz]
ROTATED = (".[0-9]", ".[0-9].gz", ".[0-9][0-9]", ".[0-9][0-9].gz", "-[0-9]*")


async def recreate_missing(ctx: ToolContext, ev: Evidence) -> str | None:
    """A path the service needs is missing: restore a file from a previous version, or create
    a directory (the unit's WorkingDirectory, or a path without an extension)."""
    fixed = []
    wanted = [p for line in ev.logs.splitlines() if MISSING_RE.search(line)
              for p in paths_in(line)]
    if ev.workdir:
        wanted.insert(0, ev.workdir)
    runtime = runtime_dirs(ev)  # recreate_runtime_dir's, with their owner: not a plain mkdir
    for path in dict.fromkeys(wanted):
        if path.rstrip("/") in runtime or path.rstrip("/").rsplit("/", 1)[0] in runtime:
            continue
        q = shlex.quote(path)
        if (await ctx.sh(ev.server, f"test -e {q}")).exit_code == 0:
            continue
        if path in ev.argv[:1]:
            continue  # the program itself is gone: not something to invent
        if (await ctx.sh(ev.server, f"test -L {q}")).exit_code == 0:
            continue  # a dangling symlink (a release link): repoint_release's, not a mkdir
        backup = await _existing(ctx, ev.server, backup_candidates(path))
        if backup:
            done = await ctx.sh(ev.server, f"cp -a {shlex.quote(backup)} {q}")
            if done.outcome == "ok":
                fixed.append(ctx.say(f"файл {path} пропал: восстановлен из {backup}",
                                     f"file {path} was missing: restored from {backup}"))
        elif path == ev.workdir or "." not in path.rsplit("/", 1)[-1] or path.endswith("/"):
            done = await ctx.sh(ev.server, f"mkdir -p {q}")
            if done.outcome == "ok":
                fixed.append(ctx.say(f"каталога {path} не было: создан",
                                     f"directory {path} was missing: created it"))
    return "; ".join(dict.fromkeys(fixed)) or None


async def _existing(ctx: ToolContext, server: str, candidates: list[str]) -> str | None:
    listing = await ctx.sh(server, "ls -1t -- " + " ".join(shlex.quote(c) for c in candidates))
    names = [n.strip() for n in listing.stdout.splitlines() if n.strip()]
    return names[0] if names else None


async def fix_permission(ctx: ToolContext, ev: Evidence) -> str | None:
    """The service is denied access to a path it owns: give the owner its access back
    (directories rwx, files rw), nearest the denied path first."""
    fixed = []
    for line in ev.logs.splitlines():
        if not re.search(r"Permission denied|EACCES|errno 13\b|\(13: ", line, re.IGNORECASE):
            continue
        for path in paths_in(line) + relative_paths_in(line, ev.workdir):
            for target in _self_and_parents(path):
                q = shlex.quote(target)
                mode = await ctx.sh(ev.server, f"stat -c %a {q}")
                value = mode.stdout.strip().zfill(3)
                if mode.outcome != "ok" or not value.isdigit():
                    continue
                owner_bits = int(value[-3], 8)
                is_dir = (await ctx.sh(ev.server, f"test -d {q}")).exit_code == 0
                need, grant = (0o7, "u+rwx") if is_dir else (0o6, "u+rw")
                if owner_bits & need != need:
                    done = await ctx.sh(ev.server, f"chmod {grant} {q}")
                    if done.outcome == "ok":
                        fixed.append(ctx.say(
                            f"у {target} были права {value}: владельцу возвращено {grant[2:]}",
                            f"{target} had mode {value}: gave its owner {grant[2:]}"))
                    break
    return "; ".join(dict.fromkeys(fixed)) or None


async def relieve_log_flood(ctx: ToolContext, ev: Evidence) -> str | Finding | None:
    """A log flood: a log grew huge, or it filled the filesystem and the service cannot write
    ("No space left on device", or ``df`` shows its filesystem ≥ 95% full). Free space only
    where ``agent.free_paths`` allows, keep the evidence; nothing freeable there is a finding
    that names what is big and where."""
    named = paths_in(ev.unit + "\n" + ev.logs) + list(ev.log_files)
    dirs = sorted({p.rsplit("/", 1)[0] for p in named if p.endswith(".log") or "/log" in p})
    if ev.workdir and NO_SPACE_RE.search(ev.logs):
        dirs.append(ev.workdir)
    dirs = list(dict.fromkeys(d for d in dirs if d))[:5]
    freed = await free_disk(ctx, ev, dirs)
    if isinstance(freed, str):
        return freed
    fixed: list[str] = []
    for directory in dirs:
        found = await ctx.sh(
            ev.server, f"find {shlex.quote(directory)} -maxdepth 2 -type f -name '*.log' "
            f"-size +{LOG_FLOOD_BYTES // 1024 // 1024}M")
        for path in found.stdout.split():
            q = shlex.quote(path)
            moved = await ctx.sh(ev.server, f"mv {q} {shlex.quote(path + '.flood')}")
            if moved.outcome != "ok":
                continue
            await ctx.sh(ev.server, f"gzip -f {shlex.quote(path + '.flood')}")
            await ctx.sh(ev.server, f"touch {q}")
            fixed.append(ctx.say(f"лог {path} переполнен: отложен и сжат",
                                 f"log {path} was flooded: moved aside and compressed"))
    return "; ".join(fixed) or freed


async def free_disk(ctx: ToolContext, ev: Evidence, dirs: list[str]) -> str | Finding | None:
    """The service's filesystem is full (its log says so, or df ≥ 95%): remove rotated and
    compressed logs within the allowed paths on that filesystem (each removal a guarded
    command), truncate a live log only when ``agent.truncate_live_logs`` says so. None when
    the disk is not the cause."""
    no_space = bool(NO_SPACE_RE.search(ev.logs))
    full: dict[str, tuple[int, str]] = {}
    for directory in dirs:
        usage = await _disk_usage(ctx, ev.server, directory)
        if usage is not None and usage[0] >= DISK_FULL_PERCENT:
            full[directory] = usage
    if not no_space and not full:
        return None
    allowed = ctx.remedy.free_paths
    fixed = await _remove_rotated(ctx, ev) if "{log_dir}" in allowed else []
    mounts = {mount for _used, mount in full.values()}
    if mounts:
        fixed += await _remove_allowed(ctx, ev, allowed, mounts)
    if not fixed and full and ctx.remedy.truncate_live_logs:
        for directory, (used, _mount) in full.items():
            fixed += await _truncate_flooded(ctx, ev.server, directory, used)
    if fixed:
        now = [f"{d}: {u[0]}%" for d in full if (u := await _disk_usage(ctx, ev.server, d))]
        if now:
            fixed.append(ctx.say(f"теперь занято {', '.join(now)}",
                                 f"now used {', '.join(now)}"))
        return "; ".join(fixed)
    return Finding(await _what_is_big(ctx, ev, full or {d: (0, "") for d in dirs[:2]}))


ROTATED_NAME_RE = re.compile(r"(?:\.(?:gz|xz|bz2|zst|lz4)|\.\d{1,3}|-\d{8,10})$")


async def _remove_allowed(ctx: ToolContext, ev: Evidence, allowed: tuple[str, ...],
                          mounts: set[str]) -> list[str]:
    """Rotated or compressed logs matching an allowed glob (``/var/log/*.gz``) and the
    service user's old files in /tmp (``{tmp}``), only on a full filesystem."""
    fixed = []
    for pattern in allowed:
        if pattern == "{log_dir}":
            continue
        if pattern == "{tmp}":
            user = ev.user or (await ctx.sh(ev.server, "id -un")).stdout.strip()
            if not user or user == "root":
                continue  # root's /tmp files are everyone's: not ours to judge
            directory, test = "/tmp", f"-user {shlex.quote(user)} -mmin +60"
        else:
            directory, _, name = pattern.rpartition("/")
            if not directory.startswith("/") or not name or "/" in name or not any(
                    c in name for c in "*?["):
                continue
            test = f"-name {shlex.quote(name)}"
        usage = await _disk_usage(ctx, ev.server, directory)
        if usage is None or usage[1] not in mounts:
            continue  # freeing another filesystem would not help
        found = await ctx.sh(ev.server, f"find {shlex.quote(directory)} -maxdepth 1 -type f "
                                        f"{test} -printf '%s %p\\n'")
        sized = [(int(size), path) for size, _, path in
                 (line.partition(" ") for line in found.stdout.splitlines())
                 if size.isdigit() and path.startswith(directory + "/")
                 and (pattern == "{tmp}" or ROTATED_NAME_RE.search(path))]
        if not sized:
            continue
        paths = " ".join(shlex.quote(path) for _, path in sized[:200])
        done = await ctx.sh(ev.server, f"rm -f -- {paths}")
        if done.outcome == "ok":
            freed = sum(size for size, _ in sized[:200])
            fixed.append(ctx.say(
                f"удалено {len(sized[:200])} файлов по разрешённому пути {pattern} "
                f"({directory}, освобождено {_mib(freed)} МБ)",
                f"removed {len(sized[:200])} files under the allowed path {pattern} "
                f"({directory}, {_mib(freed)} MB freed)"))
    return fixed


async def _what_is_big(ctx: ToolContext, ev: Evidence,
                       full: dict[str, tuple[int, str]]) -> str:
    """Nothing may be freed: say how full it is and what is big there, touching nothing."""
    shown = []
    for directory, (used, mount) in list(full.items())[:2]:
        found = await ctx.sh(ev.server, f"find {shlex.quote(directory)} -xdev -maxdepth 3 "
                                        "-type f -size +1M -printf '%s %p\\n'")
        sized = sorted(((int(size), path) for size, _, path in
                        (line.partition(" ") for line in found.stdout.splitlines())
                        if size.isdigit()), reverse=True)[:5]
        big = ", ".join(f"{path} ({_mib(size)} МБ)" for size, path in sized) or "—"
        where = f"{directory} ({mount}, {used}%)" if mount else directory
        shown.append(ctx.say(f"{where}: крупное — {big}", f"{where}: big — {big}"))
    return ctx.say(
        f"у {ev.service} кончилось место на диске, а в разрешённых для очистки путях "
        f"(agent.free_paths: {', '.join(ctx.remedy.free_paths)}) удалять нечего; ничего не "
        f"тронуто. {'; '.join(shown)}",
        f"{ev.service} has run out of disk space and nothing in the paths allowed for "
        f"cleaning (agent.free_paths: {', '.join(ctx.remedy.free_paths)}) can be removed; "
        f"nothing was touched. {'; '.join(shown)}")


def own_logs(ev: Evidence) -> list[str]:
    """The service's own log files: those its unit or configs name, and those its
    "No space left on device" lines name."""
    named = [p for line in ev.logs.splitlines() if NO_SPACE_RE.search(line)
             for p in paths_in(line)]
    # a `*.log` file is one program's; a shared syslog file (`maillog`, `messages`) is not
    return [p for p in dict.fromkeys([*ev.log_files, *named]) if p.endswith(".log")]


async def _remove_rotated(ctx: ToolContext, ev: Evidence) -> list[str]:
    """The service cannot write its log for want of space: delete the rotated copies of its
    own log (``NAME.log.1``, ``NAME.log.2.gz``, ``NAME.log-20261201``) next to it — never the
    current log, nothing outside that directory, nothing of another program's."""
    fixed = []
    for log in own_logs(ev)[:MAX_LOGS]:
        directory, _, name = log.rpartition("/")
        if not directory or not name:
            continue
        patterns = " -o ".join(f"-name {shlex.quote(name + p)}" for p in ROTATED)
        found = await ctx.sh(ev.server, f"find {shlex.quote(directory)} -maxdepth 1 -type f "
                                        f"\\( {patterns} \\) -printf '%s %p\\n'")
        sized = [(int(size), path) for size, _, path in
                 (line.partition(" ") for line in found.stdout.splitlines())
                 if size.isdigit() and path.startswith(f"{directory}/{name}") and path != log]
        if not sized:
            continue
        said = await _delete_rotated(ctx, ev.server, sized)
        if said is not None:
            count, freed, how = said
            fixed.append(ctx.say(
                f"в каталоге {directory} кончилось место для лога {name}: {how[0]} его старые "
                f"ротированные копии ({count} шт., освобождено {_mib(freed)} МБ); текущий "
                "лог не тронут",
                f"{directory} had no room left for {name}: {how[1]} {count} of its old rotated "
                f"copies ({_mib(freed)} MB freed); the current log was kept"))
    return fixed


async def _delete_rotated(ctx: ToolContext, server: str, sized: list[tuple[int, str]]
                          ) -> tuple[int, int, tuple[str, str]] | None:
    """Delete the rotated copies (old logs: no snapshot); when deleting is not approved, empty
    the uncompressed ones in place (a bounded change autonomy may make). (count, bytes freed,
    how) or None."""
    paths = " ".join(shlex.quote(path) for _, path in sized)
    done = await ctx.sh(server, f"rm -f -- {paths}")
    if done.outcome == "ok":
        return len(sized), sum(size for size, _ in sized), ("удалены", "deleted")
    plain = [(size, path) for size, path in sized if not path.endswith(COMPRESSED) and size]
    if not plain:
        return None
    emptied = await ctx.sh(server, "truncate -s 0 " + " ".join(shlex.quote(p) for _, p in plain))
    if emptied.outcome != "ok":
        return None
    return len(plain), sum(size for size, _ in plain), (
        "удалить сжатые не одобрено, поэтому очищены несжатые", "deleting was not approved, so "
        "emptied the uncompressed")


def _mib(size: int) -> str:
    return f"{size / 1048576:.1f}"


async def _truncate_flooded(ctx: ToolContext, server: str, directory: str,
                            used: int) -> list[str]:
    """The filesystem is full, so there is no room to compress next to the log: keep each big
    log's last lines in this run's record, then truncate it in place (a writer holding it open
    keeps writing; deleting an open file would not free the space)."""
    found = await ctx.sh(server, f"find {shlex.quote(directory)} -maxdepth 2 -type f "
                                 "-name '*.log' -size +1M -printf '%s %p\\n'")
    sized = []
    for line in found.stdout.splitlines():
        count, _, path = line.partition(" ")
        if count.isdigit() and path:
            sized.append((int(count), path))
    fixed = []
    for size, path in sorted(sized, reverse=True)[:3]:
        q = shlex.quote(path)
        await ctx.sh(server, f"tail -n {FLOOD_TAIL_LINES} {q}")
        done = await ctx.sh(server, f"truncate -s 0 {q}")
        if done.outcome == "ok":
            fixed.append(ctx.say(
                f"файловая система {directory} заполнена на {used}%: очищен лог {path} "
                f"({size // 1024 // 1024} МБ; последние {FLOOD_TAIL_LINES} строк сохранены "
                "в записи запуска)",
                f"the filesystem of {directory} was {used}% full: truncated flooded log {path} "
                f"({size // 1024 // 1024} MB; its last {FLOOD_TAIL_LINES} lines are kept in "
                "this run's record)"))
    return fixed


async def _disk_usage(ctx: ToolContext, server: str, directory: str
                      ) -> tuple[int, str] | None:
    """(percent used, mount point) of the filesystem holding ``directory``."""
    df = await ctx.sh(server, f"df -P {shlex.quote(directory)}")
    lines = df.stdout.strip().splitlines()
    cols = lines[-1].split() if len(lines) > 1 else []
    if df.outcome != "ok" or len(cols) < 6 or not cols[4].rstrip("%").isdigit():
        return None
    return int(cols[4].rstrip("%")), cols[5]


def _self_and_parents(path: str) -> list[str]:
    parts = path.rstrip("/").split("/")
    return ["/".join(parts[:i]) for i in range(len(parts), 2, -1)]
