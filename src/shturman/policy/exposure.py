"""What an invocation exposes: the credential material it reads or hands on.

Files it reads, paths it is given, trees it reads recursively, what `find … | xargs` feeds
it, and what interpreter code names; each is classified by `secrets`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from shturman.policy.effects import (
    _NO_READ,
    Effects,
    _has_flag,
    _option_values,
    _positionals,
    normalise_path,
)
from shturman.policy.fields import reads_secret_field
from shturman.policy.inline import inline_code, interpreter_family
from shturman.policy.secrets import Kind, Secret, classify_command, classify_path, classify_tree
from shturman.policy.shell import Word
from shturman.policy.unwrap import Invocation, own_args

# ---- credentials read -------------------------------------------------------------------
# programs that look at a path without reading what is inside it
_METADATA_ONLY = frozenset(
    [
        "ls",
        "stat",
        "file",
        "test",
        "[",
        "chmod",
        "chown",
        "chgrp",
        "rm",
        "shred",
        "touch",
        "du",
        "find",
        "realpath",
        "readlink",
        "basename",
        "dirname",
        "namei",
        "lsattr",
        "getfacl",
        "mkdir",
        "cd",
        "pushd",
        "install",
        "restorecon",
        "chcon",
        "setfacl",
        "tree",
        "ssh",
        "sftp",
        "ssh-add",
        "echo",
        "printf",
        "ssh-keygen",
    ]
)
_ALWAYS_RECURSIVE = frozenset(
    [
        "rg",
        "ag",
        "ack",
        "tar",
        "gtar",
        "bsdtar",
        "7z",
        "7za",
        "restic",
        "borg",
        "duplicity",
        "rclone",
        "rsync",
    ]
)
_FLAG_RECURSIVE = {
    "grep": ("r", "--recursive"),
    "egrep": ("r", "--recursive"),
    "fgrep": ("r", "--recursive"),
    "zgrep": ("r", "--recursive"),
    "cp": ("r", "--recursive"),
    "scp": ("r", ""),
    "diff": ("r", "--recursive"),
    "zip": ("r", "--recurse-paths"),
}
# programs that copy trees into an archive or another directory (not onto the screen)
_ARCHIVERS = frozenset(
    [
        "tar",
        "gtar",
        "bsdtar",
        "7z",
        "7za",
        "zip",
        "cp",
        "rsync",
        "scp",
        "restic",
        "borg",
        "duplicity",
        "rclone",
    ]
)
_DECLARERS = frozenset(["export", "declare", "typeset", "readonly", "set", "local"])
# programs that only read files when xargs/find hand them names
_CONTENT_TOO = frozenset(["cp", "tar", "rsync", "scp", "zip"])


def recursive_reader(inv: Invocation) -> bool:
    """Does the program read whole directory trees it is given?"""
    if inv.name in _ALWAYS_RECURSIVE:
        return True
    flags = _FLAG_RECURSIVE.get(inv.name)
    if flags is None:
        return False
    short, long = flags
    if _has_flag(inv.args, short, long) or (short == "r" and _has_flag(inv.args, "R")):
        return True
    return inv.name == "cp" and _has_flag(inv.args, "a", "--archive")


# interpreter code that dumps the whole environment (a subscript or `.get` reads one name)
_CODE_ENV = re.compile(
    r"os\.environ(?!\s*\[|\.get|\s*\.\s*get)|process\.env(?![.\[])|(?<![\w$%])ENV(?![\[\w])"
    r"|%ENV(?!\{)|\$_ENV(?!\[)|\$_SERVER(?!\[)|getenv\(\s*\)|System\.getenv\(\s*\)"
    r"|printenv|/proc/self/environ"
)
_AWK_FILE = re.compile(r"getline[^<|;}]*<\s*\"([^\"]+)\"")


def code_credentials(code: str, paths: Sequence[str] = ()) -> list[Secret]:
    """Credential material interpreter code reads: files it names, the whole environment."""
    found = [s for s in (classify_path(normalise_path(p)) for p in paths) if s is not None]
    found += [s for s in (classify_path(p) for p in _AWK_FILE.findall(code)) if s is not None]
    if _CODE_ENV.search(code):
        found.append(Secret(Kind.PROCESS_ENV, code[:80]))
    return found


# options naming a file the program writes, or a store it never prints a key from: that
# path is no credential read, whatever it is called (`openssl genpkey -out new.key`,
# `keytool -importcert -keystore trust.jks`)
_NOT_READ_OUT: dict[str, tuple[str, ...]] = {
    "openssl": ("-out", "-keyout"),
    "keytool": ("-keystore", "-destkeystore", "-srckeystore"),
}


def credentials(
    inv: Invocation,
    eff: Effects,
    feeders: Sequence[Sequence[Word]] = (),
    assigns: bool = False,
) -> list[Secret]:
    """Credential material the invocation reads or passes on: files it reads, paths it is
    given, trees it reads recursively, and what `find ROOT … | xargs PROG` feeds it."""
    found: list[Secret] = []
    values = [w.value for w in inv.args]
    named = classify_command(inv.name, values)
    if named is not None and not (assigns and inv.name in _DECLARERS):  # `export A=1`
        found.append(named)
    family = interpreter_family(inv.name)
    if family is not None:
        code = (
            next((a for a in values if not a.startswith("-")), "")
            if family == "awk"
            else (inline_code(family, values)[0])
        )
        if code:
            found += code_credentials(code)
    paths = list(eff.reads)
    if inv.name not in _METADATA_ONLY:
        paths += [
            normalise_path(p)
            for p in _positionals(inv.args)
            if p.startswith(("/", "~", ".", "*")) or "/" in p
        ]
    if inv.name in _REGEX_OPERANDS:  # `rabbitmqctl set_permissions app '.*' '.*' '.*'`
        quoted = {normalise_path(w.value) for w in inv.args if _quoted_pattern(w)}
        paths = [p for p in paths if p not in quoted]
    paths += [normalise_path(v[7:]) for v in values if v.startswith("file://")]
    # `tar -xOf backup.tgz etc/shadow`, `unzip -p b.zip home/u/.ssh/id_rsa`: a member printed
    # is the file it was archived from (member names are relative to the root)
    paths += ["/" + m.lstrip("./") for m in _members_printed(inv.name, values) if m.strip("./")]
    if inv.name in _CONTAINER_RUNNERS:  # `-v /etc:/mnt … cat /mnt/shadow` reads /etc/shadow
        paths += _host_paths(values, paths)
    if inv.name in ("lxc", "incus") and values[:2] == ["file", "pull"]:
        # `lxc file pull web01/etc/shadow .`: INSTANCE/PATH is a file inside the instance
        paths += ["/" + p.split("/", 1)[1] for p in _positionals(inv.args)[2:-1] if "/" in p]
    if inv.name == "git":  # `git show REV:PATH`, `git cat-file -p HEAD:.env`: a file's content
        paths += [
            normalise_path(p.split(":", 1)[1])
            for p in _positionals(inv.args)
            if ":" in p and "://" not in p and p.split(":", 1)[1]
        ]
    outputs = _NOT_READ_OUT.get(inv.name)
    if outputs:
        written = {normalise_path(v) for v in _option_values(inv.args, outputs)}
        paths = [p for p in paths if normalise_path(p) not in written]
    used = _keys_used(inv.name, inv.args)
    if used:
        paths = [p for p in paths if normalise_path(p) not in used]
    if inv.name in _ARCHIVERS and eff.writes:  # `tar x … -C /`: where it extracts, not a read
        extracted = {normalise_path(w) for w in eff.writes}
        paths = [p for p in paths if normalise_path(p) not in extracted]
    recursive = recursive_reader(inv)
    seen: set[str] = set()
    for p in paths:
        if p in seen:
            continue
        seen.add(p)
        hit = classify_tree(p, inv.name not in _ARCHIVERS) if recursive else classify_path(p)
        if hit is not None:
            found.append(hit)
    reads_content = inv.name not in _NO_READ or inv.name in _CONTENT_TOO
    if inv.unknown_args and reads_content and inv.name not in _METADATA_ONLY:
        roots = list(inv.find_roots)
        for words in feeders:
            # `ls /etc/ssh/ssh_host_*_key | xargs cat`: the names a lister prints are read
            if words and words[0].value.rsplit("/", 1)[-1] in _LISTERS:
                for w in words[1:]:
                    hit = None if w.value.startswith("-") else classify_path(
                        normalise_path(w.value))
                    if hit is not None:
                        found.append(hit)
            if words and words[0].value.rsplit("/", 1)[-1] == "find":
                for w in words[1:]:
                    if w.value.startswith(("-", "(", "!", ")")):
                        break
                    roots.append(w.value)
        for r in roots:
            hit = classify_tree(normalise_path(r))
            if hit is not None:
                found.append(hit)
    piped = [  # `cat /etc/mysql/conf.d/backup.cnf | grep -i pass`: the files cat printed
        w.value for words in feeders[:1] if words and words[0].value.rsplit("/", 1)[-1] in
        ("cat", "head", "tail", "tac", "less", "more") for w in words[1:]
        if not w.value.startswith("-")
    ]
    field = reads_secret_field(inv.name, values, piped)  # `grep requirepass redis.conf`
    if field is not None:
        found.append(Secret(Kind.CREDENTIAL_STORE, field))
    return found


_CONTAINER_RUNNERS = frozenset(["docker", "podman", "nerdctl"])
_LISTERS = frozenset(["ls", "echo", "printf"])  # print the names they are given


def _members_printed(name: str, values: Sequence[str]) -> list[str]:
    """The archive members an extraction prints to standard output (tar -xO, unzip -p/-c)."""
    if name == "unzip":
        if not any(v in ("-p", "-c") or (v[:1] == "-" and set(v[1:]) & {"p", "c"}) for v in values):
            return []
        return [v for v in values if not v.startswith("-")][1:]
    if name not in ("tar", "bsdtar", "gtar"):
        return []
    shorts = "".join(v.lstrip("-") for v in values[:1] if not v.startswith("--")) + "".join(
        v[1:] for v in values[1:] if v[:1] == "-" and v[1:2] != "-"
    )
    longs = {v.split("=", 1)[0] for v in values if v.startswith("--")}
    extracting = "x" in shorts or longs & {"--extract", "--get"}
    if not extracting or not ("O" in shorts or "--to-stdout" in longs):
        return []
    archive = ""
    for i, v in enumerate(values):
        if v.startswith("--file="):
            archive = v[7:]
        elif (v == "--file" or (not v.startswith("--") and "f" in v and (i == 0 or v[:1] == "-"))
              ) and i + 1 < len(values):
            archive = values[i + 1]
    return [v for i, v in enumerate(values) if i and not v.startswith("-") and v != archive]


# programs whose quoted operands are regular expressions, not file names: a quoted `'.*'`
# is their "everything", not the working directory's dot files. (Archivers, git, rsync and
# the cloud CLIs match quoted wildcards against file names themselves: not listed.)
_REGEX_OPERANDS = frozenset(["rabbitmqctl", "kafka-topics", "kafka-topics.sh",
                             "kafka-consumer-groups", "kafka-consumer-groups.sh"])


def _quoted_pattern(word: Word) -> bool:
    """A quoted wildcard with no directory in it (`'.*'`): the shell passes it as it is."""
    raw = word.raw
    return (
        len(raw) > 2
        and raw[0] in "'\""
        and raw[-1] == raw[0]
        and "/" not in word.value
        and any(c in word.value for c in "*?[")
    )


# signing and certificate requests use a private key without printing it: the output is a
# certificate, a request or a signature (`openssl req -new -key k -out r.csr`, `openssl x509
# -req -CAkey ca.key`); `rsa`, `pkey`, `pkcs12`… print the key itself and stay reads
_OPENSSL_KEY_USE = ("-key", "-CAkey", "-signkey", "-inkey", "-sign", "-prverify")
_OPENSSL_SIGNERS = frozenset(["req", "x509", "ca", "dgst", "pkeyutl", "smime", "cms", "ts",
                              "ocsp", "s_server", "s_client", "crl", "spkac"])


# options whose file a program opens to unlock or verify with locally, and never prints or
# sends (restic derives its repository key from the password; rsync's --password-file is
# not here: it answers a daemon that may be anyone's)
_SECRET_FILE_USERS: dict[str, tuple[str, ...]] = {
    "restic": ("-p", "--password-file"),
    "opendkim-testkey": ("-k",),
    # a TLS client's own key and certificate sign its handshake; they are not sent
    "etcdctl": ("--key", "--cert", "--cacert"),
    "curl": ("--key", "--cert", "-E", "--cacert", "--proxy-key", "--proxy-cert"),
    "kubectl": ("--client-key", "--client-certificate", "--certificate-authority"),
    "cosign": ("--key",),
}


def _keys_used(name: str, args: Sequence[Word]) -> set[str]:
    """Key files the invocation signs with, writes or lists, never prints."""
    values = [w.value for w in args]
    if name == "openssl" and values[:1] and values[0] in _OPENSSL_SIGNERS and not any(
        v in ("-decrypt", "-verifyrecover") for v in values  # these print what the key opens
    ):
        return {normalise_path(v) for v in _option_values(args, _OPENSSL_KEY_USE)}
    if name == "step":  # `step certificate create SUBJ CRT KEY --ca-key ca.key`
        pos = _positionals(args)
        used = {normalise_path(v) for v in _option_values(args, ("--ca-key", "--key"))}
        if pos[:2] in (["certificate", "create"], ["crypto", "keypair"]) or pos[:3] == [
            "crypto", "jwk", "create"
        ]:
            used |= {normalise_path(p) for p in pos[2:]}
        if pos[:2] in (["certificate", "sign"], ["crypto", "jws"]):
            used |= {normalise_path(p) for p in pos[2:]}
        return used
    if name in _SECRET_FILE_USERS:  # `restic --password-file F`, `opendkim-testkey -k F`
        return {normalise_path(v) for v in _option_values(args, _SECRET_FILE_USERS[name])}
    if name == "klist" and not any(v == "--" for v in values):
        # `klist -k KEYTAB` lists a keytab's principals; only -K prints the keys themselves
        shorts = "".join(v[1:] for v in values if v[:1] == "-" and v[1:2] != "-")
        if "k" in shorts and "K" not in shorts:
            return {normalise_path(p) for p in _positionals(args)}
    return set()


def _mounts(values: Sequence[str]) -> list[tuple[str, str]]:
    """The bind mounts of a `run`/`create` line: (host path, container path)."""
    found: list[tuple[str, str]] = []
    for i, v in enumerate(values):
        spec = ""
        if v in ("-v", "--volume", "--mount") and i + 1 < len(values):
            spec = values[i + 1] if v != "--mount" else "mount:" + values[i + 1]
        elif v.startswith(("--volume=", "-v")) and v not in ("-v", "--version"):
            spec = v.split("=", 1)[1] if v.startswith("--volume=") else v[2:]
        elif v.startswith("--mount="):
            spec = "mount:" + v.split("=", 1)[1]
        if spec.startswith("mount:"):
            fields = dict(f.split("=", 1) for f in spec[6:].split(",") if "=" in f)
            host = fields.get("source") or fields.get("src") or ""
            ctr = fields.get("target") or fields.get("dst") or fields.get("destination") or ""
        else:
            host, _, rest = spec.partition(":")
            ctr = rest.split(":", 1)[0]
        if host.startswith(("/", "~")) and ctr.startswith("/"):
            found.append((host.rstrip("/") or "/", ctr.rstrip("/") or "/"))
    return found


def _host_paths(values: Sequence[str], paths: Sequence[str]) -> list[str]:
    """The host files behind container paths the command names, through its bind mounts."""
    if not any(a in ("run", "create") for a in values):
        return []
    out: list[str] = []
    for host, ctr in _mounts(values):
        prefix = ctr if ctr.endswith("/") else ctr + "/"
        for p in paths:
            if p == ctr or p.startswith(prefix):
                out.append(normalise_path(host.rstrip("/") + "/" + p[len(prefix):]))
    return out


def files_read(paths: Sequence[str]) -> list[Secret]:
    """Credential material among files a wrapper reads for itself (`xargs -a LIST`)."""
    return [s for s in (classify_path(p) for p in paths) if s is not None]


# ---- passwords written on the command line --------------------------------------------------
# an option whose value is a password (`sshpass -p PW`, `redis-cli -a PW`); for the MySQL
# clients only the attached form (`-pPW`): a bare `-p` asks for the password
_PASSWORD_OPTS: dict[str, tuple[str, ...]] = {
    "sshpass": ("-p",),
    "redis-cli": ("-a", "--pass"),
    "valkey-cli": ("-a", "--pass"),
    "keydb-cli": ("-a", "--pass"),
}
_MYSQL_CLIENTS = frozenset(
    ["mysql", "mariadb", "mysqladmin", "mysqldump", "mysqlshow", "mysqlcheck"]
)
# variables the clients take a password from (`SSHPASS=… sshpass -e`, `PGPASSWORD=… psql`)
_PASSWORD_VARS = frozenset(["SSHPASS", "PGPASSWORD", "MYSQL_PWD", "REDISCLI_AUTH"])


def command_line_password(inv: Invocation) -> str | None:
    """The option that writes a password into the command line itself, or None."""
    words = own_args(inv.name, inv.args) if inv.name == "sshpass" else list(inv.args)
    opts = _PASSWORD_OPTS.get(inv.name)
    if opts and _option_values(words, opts):
        return f"{opts[0]}, {inv.name}"
    if inv.name in _MYSQL_CLIENTS:
        for w in words:
            v = w.value
            if (v.startswith("-p") and len(v) > 2 and not v.startswith("--")) or (
                v.startswith("--password=") and len(v) > len("--password=")
            ):
                return f"-p, {inv.name}"
    return None


def password_variable(assigns: Sequence[str]) -> str | None:
    """A password variable given a value on the command line (`SSHPASS=… sshpass -e`)."""
    for a in assigns:
        name, eq, value = a.partition("=")
        if eq and value and name in _PASSWORD_VARS:
            return name
    return None
