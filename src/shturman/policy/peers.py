"""Which hosts an ssh-family command connects to, and whether Shturman knows them.

    destinations("ssh", ["-J", "jump", "deploy@10.0.0.5", "uptime"])   # ["jump", "10.0.0.5"]
    destinations("scp", ["f", "evil.example.com:/tmp/"])                # ["evil.example.com"]

`ssh HOST CMD` runs CMD on HOST: judging CMD says what it does there, not whether HOST is
one of the servers Shturman manages (its inventory, audit and approvals). A host that is not
a registered server — by name, alias or address — is a connection the operator has not
vouched for: at least `confirm`, whatever the remote command (`ssh.unknown_host`). The caller
passes the registered names (`Policy.check(…, peers=…)`): the GuardedExecutor always does
(an empty set when it has no inventory: then every host is unknown). `peers=None` means the
caller has no inventory at all (`policy check` offline, the corpora): hosts are not judged,
only what runs on them. Pure: no name resolution, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

REMOTE_CLIENTS = frozenset(["ssh", "autossh", "scp", "sftp", "rsync", "mosh", "slogin"])

# short options that take a value, per client (the value is the rest of the cluster or the
# next word)
_VALUE_SHORT = {
    "ssh": frozenset("bBcDEeFIiJLlmOopQRSWw"),
    "slogin": frozenset("bBcDEeFIiJLlmOopQRSWw"),
    "autossh": frozenset("bBcDEeFIiJLlmMOopQRSWw"),
    "scp": frozenset("cDFiJlPoSX"),
    "sftp": frozenset("BbcDFiJlPoRSsX"),
    "rsync": frozenset("efTBM"),
    "mosh": frozenset("p"),
}
# long options of rsync and mosh whose value may be the next word
_VALUE_LONG = frozenset(
    [
        "--exclude",
        "--include",
        "--filter",
        "--rsh",
        "--files-from",
        "--exclude-from",
        "--include-from",
        "--log-file",
        "--password-file",
        "--temp-dir",
        "--backup-dir",
        "--compare-dest",
        "--link-dest",
        "--copy-dest",
        "--chmod",
        "--chown",
        "--partial-dir",
        "--rsync-path",
        "--port",
        "--bwlimit",
        "--timeout",
        "--max-size",
        "--min-size",
        "--out-format",
        "--suffix",
        "--ssh",
        "--server",
        "--client",
        "--predict",
        "--family",
    ]
)
# `-o Key=value` settings that name the host connected to instead of (or before) the operand
_HOST_KEYS = frozenset(["hostname", "proxyjump"])


def normalise(host: str) -> str:
    """`Deploy@Web1.example.com:2222` → `web1.example.com`; `[::1]:22` → `::1`."""
    h = host.strip().rsplit("@", 1)[-1]
    if h.startswith("["):
        h = h[1:].split("]", 1)[0]
    elif h.count(":") == 1:
        h = h.split(":", 1)[0]
    return h.rstrip(".").lower()


def known_names(names: Iterable[str]) -> frozenset[str]:
    """The registered names, aliases and addresses in the form `destinations` returns."""
    return frozenset(n for n in (normalise(x) for x in names if x and x.strip()) if n)


def _url_host(word: str) -> str:
    rest = word.split("://", 1)[1]
    return rest.split("/", 1)[0]


def _jump_hosts(value: str) -> list[str]:
    return [j for j in value.split(",") if j and j.lower() != "none"]


def _walk(name: str, args: Sequence[str]) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """(jump hosts, operands, `-o` settings as (lower-cased key, value))."""
    value_short = _VALUE_SHORT.get(name, frozenset())
    jumps: list[str] = []
    operands: list[str] = []
    settings: list[tuple[str, str]] = []
    i = 0
    ended = False
    while i < len(args):
        a = args[i]
        i += 1
        if ended or not a.startswith("-") or a == "-":
            operands.append(a)
            if name in ("ssh", "slogin", "autossh", "mosh", "sftp"):
                break  # the rest is the remote command (or a path)
            continue
        if a == "--":
            ended = True
            continue
        if a.startswith("--"):
            key, eq, val = a.partition("=")
            if not eq and key in _VALUE_LONG and i < len(args):
                i += 1
            continue
        for k, c in enumerate(a[1:], start=1):
            if c not in value_short:
                continue
            val = a[k + 1 :]
            if not val and i < len(args):
                val = args[i]
                i += 1
            if c == "J":
                jumps.extend(_jump_hosts(val))
            elif c == "o":
                key, _, setting = val.strip().replace("=", " ", 1).partition(" ")
                settings.append((key.strip().lower(), setting.strip()))
            break
    return jumps, operands, settings


def destinations(name: str, args: Sequence[str]) -> list[str]:
    """The hosts (normalised) this invocation of an ssh-family client connects to."""
    if name not in REMOTE_CLIENTS:
        return []
    hosts, operands, settings = _walk(name, args)
    for key, value in settings:
        if key in _HOST_KEYS:
            hosts.extend(_jump_hosts(value))
    for op in operands:
        if "://" in op:
            hosts.append(_url_host(op))
        elif name in ("ssh", "slogin", "autossh", "mosh"):
            hosts.append(op)
        elif name == "sftp":
            hosts.append(op.split(":", 1)[0] if not op.startswith("[") else op)
        else:  # scp, rsync: `[user@]host:path`, `host::module`; a local path has no colon
            head, colon, _ = op.partition(":")
            if op.startswith("["):
                hosts.append(op)
            elif colon and head and "/" not in head:
                hosts.append(head)
    return [h for h in (normalise(x) for x in hosts) if h]


# `-o` settings whose value is a command line run on this machine
_LOCAL_COMMAND_KEYS = frozenset(["proxycommand", "localcommand", "knownhostscommand"])


def local_commands(name: str, args: Sequence[str]) -> list[str]:
    """`ssh -o ProxyCommand='nc %h %p' …`: the command lines the client runs here (the
    `%h`-style tokens become plain words), to be judged like any other."""
    if name not in REMOTE_CLIENTS or not any("ommand" in a.lower() for a in args):
        return []
    _, _, settings = _walk(name, args)
    return [
        v.replace("%%", "%").replace("%", "x")
        for k, v in settings
        if k in _LOCAL_COMMAND_KEYS and v.lower() != "none"
    ]


def unknown(name: str, args: Sequence[str], peers: frozenset[str] | None) -> list[str]:
    """The destinations that are not registered servers (none when `peers` is None: the
    caller knows no inventory to compare with)."""
    if peers is None:
        return []
    return [h for h in destinations(name, args) if h not in peers]
