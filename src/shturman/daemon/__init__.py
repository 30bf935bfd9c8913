"""The daemon that `shturman serve` runs: one long-running process made of components.

`app.py` composes it (DESIGN.md §3): it builds the services once, then a :class:`Daemon` from a
list of components, each with ``async start()`` / ``async stop()``. Today's component is the
hand-off socket (:class:`HandoffSocket`: `exec`, `run` and `plan` from the CLI); job workers,
the scheduler, the bot and the web app join the same list.
"""

from shturman.daemon.core import Component, Daemon
from shturman.daemon.socket import HandoffSocket

__all__ = ["Component", "Daemon", "HandoffSocket"]
