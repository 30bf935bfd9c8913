"""How commands reach servers.

``Executor`` is the protocol; ``LocalExecutor`` runs on this machine, ``SshExecutor`` over a
pooled asyncssh connection, ``RoutingExecutor`` picks one by server. ``GuardedExecutor`` is the
ONE enforcement point every command passes: policy → approval → run → redact → audit.
"""

from shturman.hosts.executor import Executor, LocalExecutor, RoutingExecutor
from shturman.hosts.guarded import GuardedExecutor, GuardedResult
from shturman.hosts.output import OutputBuffer
from shturman.hosts.ssh import CredentialSource, HostKeyPins, SshExecutor

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
