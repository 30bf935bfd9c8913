"""Which `confirm` autonomy may pre-approve: context a single rule cannot see.

Rules carry their own tier (`autonomy: preapprove|human`, default human). Three cases need
more than one rule or invocation to decide, and live here:

* `fs.write` (any program that writes a file) is human-only, except where a pre-approvable
  rule already describes what this very invocation changes (`cp a a.bak`, `mkdir -p d`,
  `chmod u+rwx d`…) and the command line redirects its output to no file: then the write is
  that known change, and its `fs.write` reason takes the rule's tier.
* a file edit made the way the agent's `write_file` tool makes it —
  `cp -a F F.<stamp>.bak && cat > F <<'EOF' … EOF` — is a known change with a backup: the
  plain `fs.write` reason of the `cat` is replaced by a pre-approvable one. The same heredoc
  write without a backup taken first in the same command line stays human-only.
* a server with declared `services`: stopping a service it does not list needs a person
  (starting, restarting or reloading one is still a known, bounded change — recovering a
  dependency is the common case, and it makes nothing less available).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from shturman.domain.models import Decision, Server
from shturman.domain.verdict import Autonomy, Reason
from shturman.policy import effects as fx
from shturman.policy.shell import SimpleCommand
from shturman.policy.unwrap import program_name, unwrap

_COPY_PRESERVE = frozenset(["-a", "-p", "--archive", "--preserve", "-ap", "-pa", "-av", "-va"])
_EDIT = (
    "edits a file after saving a backup of it in the same command line",
    "правит файл, сохранив перед этим его резервную копию в той же командной строке",
)
_DYNAMIC = (
    "its arguments are computed at run time, so what it changes is not known in advance",
    "его аргументы вычисляются при запуске, поэтому заранее неизвестно, что он изменит",
)
_REMOTE = (
    "it runs on another host (over ssh), not on the server this approval is for",
    "выполняется на другом хосте (по ssh), а не на сервере, к которому относится одобрение",
)
_REMOTE_SHELLS = frozenset(["ssh", "rsh", "mosh", "autossh", "dbclient"])
_UNLISTED = (
    "stops a service this server does not list ({service}): a person decides",
    "останавливает службу, которой нет в списке служб сервера ({service}): решает человек",
)
LIFECYCLE_RULES = frozenset(["service.lifecycle", "service.lifecycle_sysv",
                             "service.lifecycle_daemons"])
_STOP_VERBS = frozenset(["stop"])
_NOT_NAMES = frozenset(
    ["start", "stop", "restart", "reload", "try-restart", "reload-or-restart",
     "try-reload-or-restart", "condrestart", "systemctl", "service", "rc-service",
     "supervisorctl", "docker", "podman", "sudo", "doas"]
)


class Backups:
    """Files backed up earlier in one command line (`cp -a F F….bak`)."""

    def __init__(self) -> None:
        self._saved: set[str] = set()

    def review(self, cmd: SimpleCommand, reasons: list[Reason], start: int) -> None:
        """Called after `cmd` was judged; `reasons[start:]` are the reasons it got."""
        words = [w.value for w in cmd.words]
        if not words:
            return
        if not all(w.literal for w in cmd.words) or not all(v.literal for _, v in
                                                             cmd.assignments):
            _human_only(reasons, start, _DYNAMIC)
            return
        if _runs_remotely(cmd):
            _human_only(reasons, start, _REMOTE)
            return
        _cover_known_writes(reasons, start, cmd)
        if words[0] == "cp":
            self._note_copy(words[1:], cmd.cwd)
        elif words == ["cat"] and self._backed_up_write(cmd):
            _retier(reasons, start, cmd)

    def _note_copy(self, args: Sequence[str], cwd: str | None) -> None:
        flags = [a for a in args if a.startswith("-")]
        paths = [a for a in args if not a.startswith("-")]
        if len(paths) != 2 or not flags or any(f not in _COPY_PRESERVE for f in flags):
            return
        src, dst = (fx.normalise_path(p, cwd) for p in paths)
        if dst.startswith(src + ".") and dst.endswith(".bak"):
            self._saved.add(src)

    def _backed_up_write(self, cmd: SimpleCommand) -> bool:
        """`cat > F <<'EOF'`: a literal (quoted) heredoc written over one backed-up file."""
        if cmd.stdin_text is None or not cmd.stdin_script_quoted or cmd.upstream:
            return False
        writes = [r for r in cmd.redirects if r.op not in ("<<", "<<<")]
        if len(writes) != 1 or writes[0].op != ">" or writes[0].fd not in ("", "1"):
            return False
        target = writes[0].target
        if target is None or not target.literal:
            return False
        return fx.normalise_path(target.value, cmd.cwd) in self._saved


def _runs_remotely(cmd: SimpleCommand) -> bool:
    # `program_name` leaves a value without `/` as it is: most words skip the call
    if not any(
        (program_name(v) if "/" in v else v) in _REMOTE_SHELLS for v in (w.value for w in cmd.words)
    ):
        return False
    chain = unwrap(program_name(cmd.words[0].value), cmd.words[1:])
    return any(origin.endswith("(remote)") for origin, _ in chain.scripts) or any(
        inv.remote for inv in chain.chain)


def _human_only(reasons: list[Reason], start: int, why: tuple[str, str]) -> None:
    """`docker stop web $(docker ps -q)`, `systemctl restart "$UNIT"`: a known verb on
    names known only at run time is not a known blast radius; nor is one run on another
    host (`ssh db1 systemctl restart x`: the approval is bound to this server)."""
    known = [i for i in range(start, len(reasons))
             if reasons[i].decision is Decision.CONFIRM
             and reasons[i].autonomy is Autonomy.PREAPPROVE]
    for i in known:
        reasons[i] = replace(reasons[i], autonomy=Autonomy.HUMAN)
    if known:
        rule_id = "autonomy.dynamic_args" if why is _DYNAMIC else "autonomy.remote_host"
        reasons.append(Reason(rule_id, Decision.CONFIRM, *why, reasons[known[0]].command))


_QUIET_SINKS = frozenset(["/dev/null", "/dev/stdout", "/dev/stderr"])
_WRITE_OPS = frozenset([">", ">>", "&>", "&>>", ">|", "<>"])


def _writes_elsewhere(cmd: SimpleCommand) -> bool:
    """Does a redirect of this command write a file (besides /dev/null and the terminal)?"""
    for r in cmd.redirects:
        if r.op in _WRITE_OPS and (r.target is None or r.target.value not in _QUIET_SINKS):
            return True
    return False


def _cover_known_writes(reasons: list[Reason], start: int, cmd: SimpleCommand) -> None:
    known = {
        r.command
        for r in reasons[start:]
        if r.decision is Decision.CONFIRM and r.autonomy is Autonomy.PREAPPROVE
    }
    if not known or _writes_elsewhere(cmd):
        return
    for i in range(start, len(reasons)):
        r = reasons[i]
        if r.rule_id == "fs.write" and r.command in known and r.autonomy is Autonomy.HUMAN:
            reasons[i] = replace(r, autonomy=Autonomy.PREAPPROVE)


def _retier(reasons: list[Reason], start: int, cmd: SimpleCommand) -> None:
    """Replace the generic write reason of this `cat` by the pre-approvable edit reason;
    any other confirm reason it got (a sensitive location…) stays as it is."""
    for i in range(start, len(reasons)):
        r = reasons[i]
        if r.rule_id == "fs.write" and r.decision is Decision.CONFIRM:
            reasons[i] = Reason("fs.edit_backed_up", Decision.CONFIRM, *_EDIT, r.command,
                                Autonomy.PREAPPROVE)


def unlisted_services(reasons: Sequence[Reason], server: Server) -> list[Reason]:
    """Human-only reasons for stopping services the server does not list (none when the
    server lists no services: then nothing is known to be foreign)."""
    listed = {s.removesuffix(".service") for s in server.services}
    if not listed:
        return []
    found: list[Reason] = []
    for r in reasons:
        if r.rule_id not in LIFECYCLE_RULES or r.autonomy is not Autonomy.PREAPPROVE:
            continue
        words = r.command.split()
        if not _STOP_VERBS.intersection(words):
            continue
        for name in words[1:]:
            if name.startswith("-") or name in _NOT_NAMES:
                continue
            if name.removesuffix(".service") not in listed:
                en, ru = (t.format(service=name) for t in _UNLISTED)
                found.append(Reason("server.unlisted_service", Decision.CONFIRM, en, ru,
                                    r.command))
    return found
