"""Which daemon a container CLI talks to: this machine's, or another machine's.

`docker -H ssh://host ps` lists the containers of another server: reading it is not the
read-only look at this server a `docker ps` is, and the approval is bound to this server, so
a person decides (`docker.remote_daemon`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from shturman.policy.unwrap import Invocation

_CONTAINER_CLIS = frozenset(["docker", "podman", "nerdctl", "docker-compose", "podman-compose"])
# global options (and variables) that point a container CLI at a daemon: (name, takes a value)
_DAEMON_OPTS = {
    "-H": True,
    "--host": True,
    "-c": True,
    "--context": True,
    "--url": True,
    "--connection": True,
    "-r": False,
    "--remote": False,
}
_DAEMON_VARS = ("DOCKER_HOST", "DOCKER_CONTEXT", "CONTAINER_HOST", "CONTAINER_CONNECTION")
_LOCAL_DAEMON = re.compile(
    r"^(?:(?:unix|fd|npipe)://.*|default|(?:tcp://)?(?:localhost|127\.\d+\.\d+\.\d+|\[::1\])"
    r"(?::\d+)?/?)$"
)


def remote_daemon(inv: Invocation, assigns: Sequence[str]) -> str | None:
    """`docker -H ssh://host …`, `--context prod`, `DOCKER_HOST=tcp://…`: the containers of
    another machine (None when the local daemon is meant)."""
    if inv.name not in _CONTAINER_CLIS:
        return None
    for a in assigns:
        name, _, value = a.partition("=")
        if name in _DAEMON_VARS and value and not _LOCAL_DAEMON.match(value):
            return f"{name}={value}"
    words = [w.value for w in inv.args]
    i = 0
    while i < len(words) and words[i].startswith("-") and words[i] != "--":
        key, eq, value = words[i].partition("=")
        if key[:2] in ("-H", "-c") and len(key) > 2 and not key.startswith("--"):
            key, value, eq = key[:2], key[2:], "="  # `-Hssh://…`
        takes = _DAEMON_OPTS.get(key)
        if takes is None:
            i += 1 + (1 if not eq and words[i] in _GLOBAL_VALUE_OPTS else 0)
            continue
        if not takes:
            return key
        if not eq and i + 1 < len(words):
            value = words[i + 1]
            i += 1
        if not _LOCAL_DAEMON.match(value):
            return f"{key} {value}"
        i += 1
    return None


_GLOBAL_VALUE_OPTS = frozenset(
    [
        "--config",
        "-l",
        "--log-level",
        "--tlscacert",
        "--tlscert",
        "--tlskey",
        "-f",
        "--file",
        "-p",
        "--project-name",
        "--env-file",
        "--project-directory",
        "--profile",
    ]
)
