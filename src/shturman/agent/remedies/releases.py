"""The release a ``current``-style symlink points to is gone or incomplete.

Deploy tools (Capistrano, Deployer, hand-made scripts) keep one directory per deploy
(``/srv/app/releases/20261201T101533``) and a symlink (``/srv/app/current``) that the unit's
``WorkingDirectory=`` and ``ExecStart=`` go through. A deploy that failed half-way leaves the
link pointing at a removed or half-copied release. Found from the host: a path the unit needs
is missing, one of its ancestors is a symlink, and the directory its target lives in holds
other releases. The newest other release that has every path the unit needs is linked instead
(``ln -sfn``, a `confirm` step showing old and new target); when no release has them, that is
a finding (a redeploy is needed), and nothing is touched.

A release that is whole but cannot load its own code (``ModuleNotFoundError``, ``ImportError``,
Node's ``Cannot find module``, Ruby's ``LoadError``, Java's ``ClassNotFoundException``) right
after a deploy is rolled back: when the link points at the newest release, it is pointed at the
previous whole one (`roll_back_release`); an older release is never rolled back further.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass

from shturman.agent.remedies.evidence import Evidence, Finding
from shturman.tools import ToolContext

MAX_NEEDED = 4
# links the system itself keeps (/var/run → /run, /lib → /usr/lib, alternatives under /etc and
# /usr): never "releases"
SYSTEM_LINKS = ("/usr/", "/etc/", "/lib", "/bin/", "/sbin/", "/var/run/", "/run/", "/proc/",
                "/sys/", "/dev/", "/boot/")
MAX_RELEASES = 20
# `stat -c '%F|%n|%N'`: "symbolic link|/srv/a/current|'/srv/a/current' -> '/srv/a/releases/1'"
STAT_LINK_RE = re.compile(r"^symbolic link\|(?P<link>/[^|]+)\|.* -> ['\"‘]?(?P<target>[^'\"’]+)"
                          r"['\"’]?\s*$")


@dataclass(frozen=True, slots=True)
class Link:
    path: str
    target: str  # as written in the link (relative or absolute)

    @property
    def resolved(self) -> str:
        return posixpath.normpath(posixpath.join(posixpath.dirname(self.path), self.target))


def needed_paths(ev: Evidence) -> list[str]:
    """Paths the unit cannot start without: its working directory and the absolute paths of
    its ExecStart command line (the program, a script an interpreter runs)."""
    found = [ev.workdir] if ev.workdir and ev.workdir.startswith("/") else []
    found += [a for a in ev.argv if a.startswith("/") and not a.startswith(("/dev/", "/proc/"))]
    return list(dict.fromkeys(found))[:MAX_NEEDED]


def ancestors(path: str) -> list[str]:
    """``path`` and its parents, nearest first, down to two levels below ``/``."""
    parts = path.rstrip("/").split("/")
    return ["/".join(parts[:i]) for i in range(len(parts), 2, -1)]


def parse_links(stat_output: str) -> dict[str, Link]:
    links = {}
    for line in stat_output.splitlines():
        if match := STAT_LINK_RE.match(line.strip()):
            links[match.group("link")] = Link(match.group("link"), match.group("target"))
    return links


def newest_first(names: list[str]) -> list[str]:
    """Release names newest first: timestamps and build numbers compared as numbers."""
    def key(name: str) -> list[tuple[int, int | str]]:
        return [(0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", name) if p]
    return sorted(names, key=key, reverse=True)


async def repoint_release(ctx: ToolContext, ev: Evidence) -> str | Finding | None:
    missing = [p for p in needed_paths(ev)
               if (await ctx.sh(ev.server, f"test -e {shlex.quote(p)}")).exit_code == 1]
    if not missing:
        return None
    chain = list(dict.fromkeys(a for p in missing for a in ancestors(p)))
    shown = await ctx.sh(ev.server, "stat -c '%F|%n|%N' -- "
                         + " ".join(shlex.quote(a) for a in chain))
    links = parse_links(shown.stdout)
    link = next((links[a] for p in missing for a in ancestors(p) if a in links), None)
    if link is None or not _deploy_link(link):
        return None
    under = [p for p in missing if p == link.path or p.startswith(link.path + "/")]
    if not under:
        return None
    releases = posixpath.dirname(link.resolved)
    listing = await ctx.sh(ev.server, f"ls -1 -- {shlex.quote(releases)}")
    names = [n.strip() for n in listing.stdout.splitlines()
             if n.strip() and "/" not in n.strip() and n.strip() != posixpath.basename(
                 link.resolved)] if listing.outcome == "ok" else []
    for name in newest_first(names)[:MAX_RELEASES]:
        candidate = f"{releases}/{name}"
        if await _complete(ctx, ev.server, candidate, link.path, under):
            return await _relink(ctx, ev, link, candidate, under)
    gone = ", ".join(under)
    return Finding(ctx.say(
        f"{link.path} указывает на {link.resolved}, а там нет нужного {ev.service} ({gone}); "
        f"ни в одном другом выпуске в {releases} этого тоже нет — нужен повторный деплой, "
        "ничего не тронуто",
        f"{link.path} points to {link.resolved}, which lacks what {ev.service} needs ({gone}); "
        f"no other release in {releases} has it either — a redeploy is needed; nothing was "
        "touched"))


# the new code cannot load what it imports: the signature of a broken deploy
IMPORT_ERROR_RE = re.compile(
    r"ModuleNotFoundError|ImportError: |Error: Cannot find module|cannot load such file"
    r"|LoadError|ClassNotFoundException|NoClassDefFoundError|undefined symbol: ")


async def roll_back_release(ctx: ToolContext, ev: Evidence) -> str | Finding | None:
    if not IMPORT_ERROR_RE.search(ev.logs):
        return None
    needed = needed_paths(ev)
    chain = list(dict.fromkeys(a for p in needed for a in ancestors(p)))
    if not chain:
        return None
    shown = await ctx.sh(ev.server, "stat -c '%F|%n|%N' -- "
                         + " ".join(shlex.quote(a) for a in chain))
    links = parse_links(shown.stdout)
    link = next((links[a] for p in needed for a in ancestors(p) if a in links), None)
    if link is None or not _deploy_link(link):
        return None
    releases = posixpath.dirname(link.resolved)
    listing = await ctx.sh(ev.server, f"ls -1 -- {shlex.quote(releases)}")
    if listing.outcome != "ok":
        return None
    names = newest_first([n.strip() for n in listing.stdout.splitlines()
                          if n.strip() and "/" not in n.strip()])
    live = posixpath.basename(link.resolved)
    if not names or names[0] != live:
        return None  # not the newest release: this is no fresh deploy to undo
    under = [p for p in needed if p == link.path or p.startswith(link.path + "/")]
    for name in names[1:MAX_RELEASES]:
        candidate = f"{releases}/{name}"
        if await _complete(ctx, ev.server, candidate, link.path, under):
            return await _relink(ctx, ev, link, candidate, under, broken="import")
    return Finding(ctx.say(
        f"новый выпуск {link.resolved} не может загрузить свой код (ошибка импорта), а "
        f"прежнего целого выпуска в {releases} нет — нужен исправленный деплой",
        f"the new release {link.resolved} cannot load its own code (an import error), and no "
        f"previous whole release is in {releases} — a fixed deploy is needed"))


def _deploy_link(link: Link) -> bool:
    """A link a deploy could have made: not one of the system's own, its target a directory
    at least two levels deep beside other directories (``/srv/app/releases/N``)."""
    return (not (link.path + "/").startswith(SYSTEM_LINKS)
            and posixpath.dirname(link.resolved).count("/") >= 2
            and link.path.count("/") >= 2)


async def _complete(ctx: ToolContext, server: str, release: str, link: str,
                    needed: list[str]) -> bool:
    """Does ``release`` have every needed path (their part below the link)?"""
    tests = []
    for path in needed:
        rest = path[len(link):].lstrip("/")
        inside = f"{release}/{rest}" if rest else release
        tests.append(f"test -e {shlex.quote(inside)}")
    if not any(p == link for p in needed):
        tests.append(f"test -d {shlex.quote(release)}")
    done = await ctx.sh(server, " && ".join(tests))
    return done.exit_code == 0


async def _relink(ctx: ToolContext, ev: Evidence, link: Link, release: str, needed: list[str],
                  broken: str = "missing") -> str | Finding | None:
    # keep the link's own style: a relative target stays relative
    target = (posixpath.relpath(release, posixpath.dirname(link.path))
              if not link.target.startswith("/") else release)
    diff = f"--- {link.path}\n+++ {link.path}\n-{link.path} -> {link.target}\n" \
           f"+{link.path} -> {target}\n"
    command = f"ln -sfn {shlex.quote(target)} {shlex.quote(link.path)}"
    done = await ctx.sh(ev.server, command, diff=diff)
    gone = ", ".join(needed)
    if done.refused and broken == "import":
        return Finding(ctx.say(
            f"новый выпуск {link.resolved} не загружает свой код (ошибка импорта после "
            f"деплоя); прежний выпуск — {release}. Откат не одобрен: выполните `{command}` и "
            f"перезапустите {ev.service}",
            f"the new release {link.resolved} cannot load its own code (an import error after "
            f"a deploy); the previous release is {release}. Rolling back was not approved: run "
            f"`{command}`, then restart {ev.service}"))
    if done.refused:  # replacing a link is a person's call (the policy's fs.write)
        return Finding(ctx.say(
            f"{link.path} указывает на {link.resolved}, где нет {gone} (недоделанный деплой); "
            f"последний целый выпуск — {release}. Переключение ссылки не одобрено (его "
            f"одобряет человек): выполните `{command}` и перезапустите {ev.service}",
            f"{link.path} points to {link.resolved}, which lacks {gone} (a deploy left "
            f"half-done); the newest complete release is {release}. Switching the link was "
            f"not approved (a person approves it): run `{command}`, then restart "
            f"{ev.service}"))
    if done.outcome != "ok":
        return None
    if broken == "import":
        return ctx.say(
            f"новый выпуск {link.resolved} не загружает свой код (ошибка импорта после "
            f"деплоя): {link.path} возвращён на прежний выпуск {release}",
            f"the new release {link.resolved} cannot load its own code (an import error after "
            f"a deploy): {link.path} rolled back to the previous release, {release}")
    return ctx.say(
        f"{link.path} указывал на {link.resolved}, где нет {gone} (недоделанный деплой): "
        f"теперь указывает на последний целый выпуск {release}",
        f"{link.path} pointed to {link.resolved}, which lacks {gone} (a deploy left "
        f"half-done): pointed it at the newest complete release, {release}")
