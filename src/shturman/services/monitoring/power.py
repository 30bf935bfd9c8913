"""Power providers: how a peer's server is power-cycled when neither its agent nor its SSH
answers (``monitoring.peers[].power``).

- ``ssh``: ``ssh [-p PORT] [user@]host REBOOT_COMMAND`` runs on ANOTHER server of the
  inventory (``via``) through the GuardedExecutor like any command: the policy judges it, and
  its ``confirm`` waits for the approver the watchdog hands in.
- ``command``: a command line run on the Shturman host: split with :func:`shlex.split`, run
  with :func:`asyncio.create_subprocess_exec` (never a shell), in its own process group, killed
  at the timeout.
- ``webhook``: a JSON POST (``event``, ``peer``, ``server``, ``requested_by`` and the
  configured ``body`` fields, which win) with an optional header secret.

The approval of ``command`` and ``webhook`` is asked by the watchdog before :meth:`run`
(they do not reach a server through the executor); ``ssh`` is approved inside the executor.
Every output is redacted before it is returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shturman.domain.models import Actor, RunMode
from shturman.hosts.guarded import Approver, GuardedExecutor
from shturman.services.inventory import Inventory

if TYPE_CHECKING:
    from shturman.config import PeerSettings, PowerSettings

OUTPUT_CAP = 4000  # characters of a provider's output kept in the action's detail


@dataclass(frozen=True, slots=True)
class PowerPlan:
    """What a power action will do, as the approval shows it: ``server`` it is issued on
    (``local`` for the Shturman host) and the exact ``command`` (or ``POST URL``)."""

    kind: str
    server: str
    command: str


@dataclass(frozen=True, slots=True)
class PowerOutcome:
    ok: bool
    detail: str
    refused: bool = False  # the policy or the approval said no: nothing was done


class PowerSwitch:
    def __init__(self, guarded: GuardedExecutor, inventory: Inventory, *,
                 redact: Callable[[str], str] = lambda s: s) -> None:
        self._guarded = guarded
        self._inventory = inventory
        self._redact = redact

    async def plan(self, peer: PeerSettings) -> PowerPlan:
        power = _power(peer)
        if power.kind == "ssh":
            target = await self._inventory.get(peer.server)
            host = power.host or target.host
            who = power.user or target.user
            port = [] if power.host or target.port == 22 else ["-p", str(target.port)]
            argv = ["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", *port,
                    f"{who}@{host}" if who else host, power.reboot_command]
            via = await self._inventory.get(str(power.via))
            return PowerPlan("ssh", via.name, shlex.join(argv[:-1]) + " "
                             + shlex.quote(power.reboot_command))
        if power.kind == "command":
            return PowerPlan("command", "local", str(power.command))
        return PowerPlan("webhook", "local", f"POST {power.url}")

    async def run(self, peer: PeerSettings, plan: PowerPlan, *, actor: Actor,
                  approver: Approver | None, instance: str) -> PowerOutcome:
        """Carry ``plan`` out (``approver``: for the ``ssh`` provider's confirm)."""
        power = _power(peer)
        if plan.kind == "ssh":
            return await self._ssh(plan, actor, approver, power.timeout)
        if plan.kind == "command":
            return await self._command(plan.command, power.timeout)
        return await self._webhook(peer, power, instance)

    async def _ssh(self, plan: PowerPlan, actor: Actor, approver: Approver | None,
                   timeout: float) -> PowerOutcome:
        server = await self._inventory.get(plan.server)
        done = await self._guarded.run(server, plan.command, actor=actor,
                                       mode=RunMode.INTERACTIVE, approver=approver,
                                       timeout=timeout)
        result = done.result
        if result.outcome.value != "ok":
            return PowerOutcome(False, f"{result.outcome.value}: {result.error}"[:OUTPUT_CAP],
                                refused=result.outcome.value in ("blocked", "denied"))
        text = (result.stdout.text + result.stderr.text).strip()
        detail = f"exit {result.exit_code}" + (f": {text}" if text else "")
        return PowerOutcome(result.exit_code == 0, detail[:OUTPUT_CAP])

    async def _command(self, line: str, timeout: float) -> PowerOutcome:
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            return PowerOutcome(False, f"cannot split the command line: {exc}")
        if not argv:
            return PowerOutcome(False, "empty command line")
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT, start_new_session=True)
        except OSError as exc:
            return PowerOutcome(False, f"{argv[0]}: {exc.strerror or exc}")
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), timeout)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
            return PowerOutcome(False, f"timed out after {timeout:g} s")
        text = self._redact(out.decode("utf-8", "replace").strip())[-OUTPUT_CAP:]
        detail = f"exit {proc.returncode}" + (f": {text}" if text else "")
        return PowerOutcome(proc.returncode == 0, detail)

    async def _webhook(self, peer: PeerSettings, power: PowerSettings,
                       instance: str) -> PowerOutcome:
        import httpx

        headers = {}
        secret = power.secret_value()
        if secret:
            headers[power.header] = secret
        body: dict[str, object] = {"event": "power_cycle", "peer": peer.name,
                                   "server": peer.server, "requested_by": instance,
                                   **power.body}  # the configured fields (an instance id…)
        try:
            async with httpx.AsyncClient(timeout=power.timeout) as web:
                response = await web.post(str(power.url), json=body, headers=headers)
        except httpx.HTTPError as exc:
            return PowerOutcome(False, self._redact(f"{type(exc).__name__}: {exc}")[:500])
        ok = 200 <= response.status_code < 300
        return PowerOutcome(ok, f"HTTP {response.status_code}")


def _power(peer: PeerSettings) -> PowerSettings:
    if peer.power is None:
        raise ValueError(f"peer {peer.name} has no power provider")
    return peer.power
