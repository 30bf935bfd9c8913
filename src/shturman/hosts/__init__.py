"""How commands reach servers.

``Executor`` is the protocol; ``LocalExecutor`` runs on this machine, ``SshExecutor`` over a
pooled asyncssh connection, ``RoutingExecutor`` picks one by server. ``GuardedExecutor`` is the
ONE enforcement point every command passes: policy → approval → run → redact → audit.
"""

from typing import TYPE_CHECKING, Any

from shturman.hosts.executor import Executor, LocalExecutor, RoutingExecutor
from shturman.hosts.guarded import GuardedExecutor, GuardedResult
from shturman.hosts.output import OutputBuffer

if TYPE_CHECKING:
    from shturman.hosts.ssh import CredentialSource, HostKeyPins, SshExecutor


def __getattr__(name: str) -> Any:
    """asyncssh (~0.1 s to import) loads only when something asks for the SSH executor."""
    if name in ("CredentialSource", "HostKeyPins", "SshExecutor"):
        from shturman.hosts import ssh

        return getattr(ssh, name)
    raise AttributeError(name)

__all__ = [
    "CredentialSource",
    "Executor",
    "GuardedExecutor",
    "GuardedResult",
    "HostKeyPins",
    "LocalExecutor",
    "OutputBuffer",
    "RoutingExecutor",
    "SshExecutor",
]
