"""Credential material, recognised by what it is (pure, no I/O).

    classify_path("/home/bob/.ssh/id_ed25519")   # Secret(PRIVATE_KEY, …)
    classify_path("/home/*/.ssh/id_*")            # a glob: tested against the patterns
    classify_tree("~")                            # a home directory holds credentials
    classify_command("kubectl", ["get", "Secrets", "-A"])

A path (after normalisation; it may be a shell glob) is credential material when it could
name a file of one of the kinds below. A glob is not compared with sample paths: its
segments are intersected with the patterns' segments, so `/etc/sha*` and `/home/*/.ssh/id_*`
are caught whatever the file is called. Commands that print credentials without naming a
file (process environments, cluster secrets) are recognised from their arguments.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from shturman.policy.dumps import (
    DESCRIBE_REVEALS,
    go_template_reveals,
    kube_kind_plain,
    kube_output_reveals,
)
from shturman.policy.templates import exposes_environment


class Kind(StrEnum):
    PRIVATE_KEY = "private_key"
    CREDENTIAL_STORE = "credential_store"
    SHELL_HISTORY = "shell_history"
    PASSWORD_HASHES = "password_hashes"
    PROCESS_ENV = "process_env"
    PROCESS_MEMORY = "process_memory"
    CLUSTER_SECRET = "cluster_secret"
    SHTURMAN_VAULT = "shturman_vault"
    CREDENTIAL_TREE = "credential_tree"  # a directory tree that holds any of the above


@dataclass(frozen=True, slots=True)
class Secret:
    kind: Kind
    what: str  # the path, glob or command that names it


# (kind, patterns, names excluded). Patterns: `/…` rooted, `~/…` any home directory,
# `**/…` at any depth; `*`, `?`, `[…]` inside one segment; a pattern naming a directory
# means reading that directory reads what it holds.
_PUB = (".pub", ".pub.pem")


def _named_for(*words: str) -> tuple[str, ...]:
    """Files named for the secret they hold. Only what looks like a file name — a path with a
    directory, a dot file, a name with an extension — so that a bare word (`vault secrets
    list`, `grep 'Failed password'`, `vault token lookup`) is never taken for one."""
    return tuple(p for w in words for p in (f"**/*/*{w}*", f"**/*{w}*.*", f"**/.*{w}*"))


_TABLE: tuple[tuple[Kind, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        Kind.SHTURMAN_VAULT,
        ("**/vault.key", "**/.local/share/shturman/*.db", "**/shturman/*.db"),
        (),
    ),
    (
        Kind.PASSWORD_HASHES,
        (
            "/etc/shadow*",
            "/etc/shadow-",
            "/etc/gshadow*",
            "/etc/gshadow-",
            # the same files of another root: a container's or a machine's
            # (`/var/lib/machines/web/etc/shadow`, `…/rootfs/etc/shadow`, a mounted disk)
            "**/etc/shadow",
            "**/etc/shadow-",
            "**/etc/gshadow",
            "/etc/security/opasswd",
            "/etc/samba/smbpasswd",
            "/var/lib/samba/private/*",
            "/var/backups/*shadow*",
        ),
        (),
    ),
    (
        Kind.PRIVATE_KEY,
        (
            "**/.ssh/id_*",
            "**/id_rsa*",
            "**/id_dsa*",
            "**/id_ecdsa*",
            "**/id_ed25519*",
            "**/id_xmss*",
            "**/*_key",
            "**/deploy_key*",
            "**/*.key",
            "**/*.ppk",
            "/etc/ssh/ssh_host_*_key",
            "**/.ssh/*_rsa",
            "**/.ssh/*_ed25519",
            "**/.ssh/*_ecdsa",
            "**/.ssh/*.pem",
            "**/privkey*.pem",
            "**/*private*.pem",
            "**/*-key.pem",
            "**/*_key.pem",
            "**/*.key.pem",
            "**/key.pem",
            "**/*.p12",
            "**/*.pfx",
            "**/*.jks",
            "**/*.keystore",
            "**/*.keytab",
            "/etc/ssl/private",
            "/etc/ssl/private/**",
            "/etc/pki/tls/private",
            "/etc/pki/tls/private/**",
            "**/.gnupg",
            "**/.gnupg/private-keys-v1.d/**",
            "**/.gnupg/secring.gpg",
            "**/.ssh",
            "**/.ssh/*",  # any other file there is a key by its place (`~/.ssh/prod`)
            "**/master.key",
            # DNSSEC (`Kexample.com.+013+12345.private`) and DKIM (`mail.private`) signing
            # keys; pre-shared keys (Zabbix `*.psk`, TLS-PSK identities)
            "**/*.private",
            "**/*.psk",
            "/etc/wireguard/*.conf",
            "/etc/kubernetes/pki",
            "/etc/kubernetes/pki/**",
            # age identities (`age-keygen -o ~/.config/age/key.txt`, sops' keys.txt)
            "**/.config/age/*.txt",
            "**/.config/sops/age/*.txt",
            "**/age/keys.txt",
        ),
        (*_PUB, "known_hosts", "known_hosts.old", "config", "authorized_keys", "authorized_keys2",
         "*.crt", "*.csr", "*.srl"),  # certificates and requests are public
    ),
    (
        Kind.CREDENTIAL_STORE,
        (
            "**/.aws",
            "**/.aws/credentials",
            "**/.aws/config",
            "**/.config/gcloud",
            "**/.config/gcloud/**",
            "**/.azure",
            "**/.azure/**",
            "**/.oci",
            "**/.oci/**",
            "**/.config/doctl/config.yaml",
            "**/.config/linode-cli",
            "**/.linode-cli",
            "**/.docker",
            "**/.docker/config.json",
            # registry logins of podman/buildah/skopeo (`$XDG_RUNTIME_DIR/containers/auth.json`,
            # `/run/containers/0/auth.json`), regctl's; MinIO client's aliases hold their keys
            "**/containers/auth.json",
            # HAProxy's certificate bundles hold their private keys; ACME clients' stores and
            # acme.sh's account file (DNS provider API keys)
            "/etc/haproxy/**/*.pem",
            "/etc/haproxy/certs/**",
            "**/acme.json",
            "**/.acme.sh/account.conf",
            "/run/containers/*/auth.json",
            "**/.regctl/config.json",
            "**/.mc/config.json",
            "**/.config/crane/**",
            "**/.kube",
            "**/.kube/config",
            "**/kubeconfig",
            "**/*.kubeconfig",
            "/etc/kubernetes/*.conf",
            "/etc/rancher/k3s/k3s.yaml",
            "/var/lib/rancher/k3s/server/token",
            "/var/lib/rancher/k3s/server/cred/**",
            "**/.git-credentials",
            "**/.netrc",
            "/etc/wpa_supplicant.conf",
            "/etc/wpa_supplicant/*.conf",
            "/etc/sssd/sssd.conf",
            "/etc/*ldap*.secret",
            "**/*.tfstate",
            "**/*.tfstate.backup",
            "**/_netrc",
            "**/.npmrc",
            "**/.pypirc",
            "**/.cargo/credentials",
            "**/.cargo/credentials.toml",
            "**/.composer/auth.json",
            "**/.config/composer/auth.json",
            "**/.gem/credentials",
            # package managers' login stores: poetry, pip's keyring-less config, yarn 2+, uv,
            # Docker's hub login for buildx, Helm's registry logins, Maven's and Gradle's
            "**/pypoetry/auth.toml",
            # mail, broker and proxy password files; desktop keyrings; ACME account keys;
            # cloud-init's user data (where instances get their passwords); consul ACL tokens
            "/etc/exim4/passwd.client",
            "/etc/dovecot/users",
            "/etc/dovecot/passwd*",
            "/etc/mosquitto/passwd",
            "/etc/mosquitto/*.passwd",
            "/etc/squid/passwd*",
            # backup repositories' passwords (`restic --password-file`, `BORG_PASSCOMMAND`)
            "**/restic/*pass*",
            "**/*restic*pass*",
            "**/borg/*pass*",
            "**/*borg*pass*",
            "**/rsyncd.secrets",
            "**/.local/share/keyrings/*.keyring",
            "**/letsencrypt/accounts/**/private_key.json",
            "**/private_key.json",
            "/var/lib/cloud/instance/user-data.txt*",
            "/var/lib/cloud/instances/*/user-data.txt*",
            "**/acl-tokens.json",
            "**/.yarnrc.yml",
            "**/uv/credentials.toml",
            "**/.config/helm/registry/config.json",
            "**/.m2/settings.xml",
            "**/.m2/settings-security.xml",
            "**/.gradle/gradle.properties",
            "**/.nuget/NuGet/NuGet.Config",
            "**/.pgpass",
            "**/.my.cnf",
            "/etc/mysql/debian.cnf",
            "**/jenkins/secrets",
            "**/jenkins/secrets/**",
            "**/.jenkins/secrets/**",
            "**/credentials.xml",
            "**/gitlab-secrets.json",
            "**/pgbouncer/userlist.txt",
            "**/.env",
            "**/*.env",
            "**/.env.*",
            "**/.vault-token",
            "**/.terraform.d/credentials*",
            "**/credentials.tfrc.json",
            "**/.htpasswd",
            "**/htpasswd",
            "**/*.htpasswd",
            "**/.boto",
            "**/.s3cfg",
            "**/credentials.json",
            "**/.config/gh/hosts.yml",
            "**/secrets.yml",
            "**/secrets.yaml",
            "**/credentials.yml.enc",
            "**/.password-store",
            "**/.password-store/**",
            "/run/secrets",
            "/run/secrets/**",
            "/var/run/secrets",
            "/var/run/secrets/**",
            # systemd credentials: decrypted for a unit under /run/credentials/UNIT/
            # (`$CREDENTIALS_DIRECTORY`), stored in plain text in the credstores
            "/run/credentials",
            "/run/credentials/**",
            "/var/run/credentials/**",
            "/etc/credstore",
            "/etc/credstore/**",
            "/run/credstore",
            "/run/credstore/**",
            "/var/lib/sss/**",
            "**/.config/rclone/rclone.conf",
            "**/.cloudflared/*.json",
            "**/.ansible/vault*",
            "**/.vault_pass*",
            "**/vault_pass*",
            "/etc/ipsec.secrets",
            "/etc/ppp/*-secrets",
            "/etc/postfix/sasl_passwd",
            "/etc/NetworkManager/system-connections",
            "/etc/NetworkManager/system-connections/**",
            "**/wp-config.php",
            "/etc/openvpn/**/*.key",
            # cluster keyrings hold the secret keys themselves (apt's keyrings are public keys)
            "/etc/ceph/*keyring*",
            "/var/lib/ceph/**/keyring",
            "**/ceph.*.keyring",
            "**/*.client.*.keyring",
            # named for what they hold: `~/.smbcredentials`, `credentials.cnf`, a unit's
            # `secrets.conf` drop-in, `db_password.txt`, `unseal-keys.txt`, `node-token`
            *_named_for("credential", "secret", "password", "passphrase", "unseal", "apikey",
                        "api_key", "api-key"),
            # tokens: a name that ends in one (`node-token`, `.vault-token`, `api_token.txt`);
            # not any name with the word (nginx's `server_tokens` in `tokens.conf`)
            "**/*/*token",
            "**/.*token",
            "**/*token.txt",
            "**/*token.json",
            "**/*token.yml",
            "**/*token.yaml",
            "**/.erlang.cookie",  # RabbitMQ / Erlang cluster secret
            "**/.config/borg/keys/**",  # borg repository keys
            "**/.restic*",  # restic repository password files and their env files
            "**/openvpn/**/*auth*.txt",  # `auth-user-pass` files
            "/var/lib/mysql/mysql/user.*",  # the account table's own files
            "/var/lib/mysql/mysql.ibd",
            # browsers' saved passwords and sessions
            "**/.config/google-chrome/**/Login Data",
            "**/.config/chromium/**/Login Data",
            "**/.config/google-chrome/**/Cookies",
            "**/.config/chromium/**/Cookies",
            "**/.mozilla/firefox/**/logins.json",
            "**/.mozilla/firefox/**/key4.db",
            "**/.mozilla/firefox/**/cookies.sqlite",
            # tools and applications that keep a token or a database password in their
            # own configuration file
            "**/.config/hub",
            "**/gitlab-runner/config.toml",
            "**/.config/glab-cli/config.yml",
            "**/app/etc/env.php",  # Magento
            "**/configuration.php",  # Joomla
            "**/config/database.yml",  # Rails
            "**/config/storage.yml",
            "**/sites/*/settings.php",  # Drupal
            "**/LocalSettings.php",  # MediaWiki
            "**/config.inc.php",  # phpMyAdmin
            "**/app/config/parameters.yml",  # Symfony
            "**/grafana/grafana.db",
            "**/grafana.db",
            "/var/lib/docker/containers/*/config.v2.json",  # a container's environment
        ),
        (".env.example", ".env.sample", ".env.template", ".env.dist", ".env.defaults",
         "*.example", "*.sample", "*.template", "*.dist", "*.md", "*.html", "*.rst",
         "*.1", "*.5", "*.8", "*.gz", "*.py", "*.pyc", "*.go", "*.rs", "*.js", "*.ts",
         "common-password", "password-auth", "password-auth-ac"),  # PAM configuration
    ),
    (
        Kind.SHELL_HISTORY,
        (
            "**/.*_history",
            "**/.history",
            "**/fish_history",
            "**/.zhistory",
            "**/.lesshst",  # less: search strings and shell escapes typed in it
            "**/.viminfo",  # vim: command lines, searches and registers
        ),
        (),
    ),
    (
        Kind.PROCESS_ENV,
        ("/proc/*/environ", "/proc/*/task/*/environ"),
        (),
    ),
    (
        Kind.PROCESS_MEMORY,
        ("/proc/*/mem", "/proc/*/task/*/mem", "/proc/kcore", "/dev/mem", "/dev/kmem"),
        (),
    ),
)
_GLOB_CHARS = frozenset("*?[")
_HOME_TREES = ("/", "/root", "/home", "/home/*", "/etc", "/proc", "/var", "/var/lib", "/run")


# ---- patterns as segment lists ------------------------------------------------------------
def _segments(pattern: str) -> tuple[tuple[str, ...], ...]:
    """A pattern or path → the absolute segment lists it stands for (`~` = any home)."""
    if pattern.startswith("~"):
        head, _, rest = pattern.partition("/")
        tail = tuple(s for s in rest.split("/") if s)
        if head in ("~", "~root"):
            homes: list[tuple[str, ...]] = [("root",), ("home", "*")]
            if head == "~root":
                homes = [("root",)]
        else:
            homes = [("home", head[1:])]
        return tuple(h + tail for h in homes)
    if pattern.startswith("/"):
        return (tuple(s for s in pattern.split("/") if s),)
    rel = pattern[2:] if pattern.startswith("./") else pattern
    parts = tuple(s for s in rel.split("/") if s and s != ".")
    if parts and parts[0] == "..":  # unknown working directory: it may climb to /
        climbed = tuple(s for s in parts if s != "..")
        return (("**", *parts), climbed)
    return (parts if parts and parts[0] == "**" else ("**", *parts),)


@lru_cache(maxsize=1)
def _compiled() -> tuple[tuple[Kind, tuple[tuple[str, ...], ...], tuple[str, ...]], ...]:
    out = []
    for kind, patterns, excluded in _TABLE:
        segs = tuple(s for p in patterns for s in _segments(p))
        out.append((kind, segs, excluded))
    return tuple(out)


@lru_cache(maxsize=1)
def _home_roots() -> tuple[tuple[str, ...], ...]:
    return tuple(sorted({s for t in ("/", "/root", "/home", "/home/*", "~") for s in _segments(t)}))


@lru_cache(maxsize=1)
def _tree_roots() -> tuple[tuple[str, ...], ...]:
    """Directories whose tree holds credentials: homes, `/`, and every directory above a
    rooted pattern (`/etc` for `/etc/shadow`, `~/.ssh` for `~/.ssh/id_*`)."""
    roots: set[tuple[str, ...]] = {s for t in _HOME_TREES for s in _segments(t)}
    roots |= set(_segments("~"))
    for _, segs, _ in _compiled():
        for seg in segs:
            if seg[:1] == ("**",):
                continue
            for i in range(1, len(seg)):
                if "**" in seg[:i]:
                    break
                roots.add(seg[:i])
    return tuple(sorted(roots))


# ---- glob ∩ pattern -------------------------------------------------------------------------
def _tokens(segment: str) -> tuple[str, ...]:
    """One path segment → tokens: `*`, `?`, `[set]` or one literal character."""
    out: list[str] = []
    i = 0
    while i < len(segment):
        c = segment[i]
        if c == "[":
            end = segment.find("]", i + 2)
            if end != -1:
                out.append(segment[i : end + 1])
                i = end + 1
                continue
        out.append(c)
        i += 1
    return tuple(out)


def _wild(token: str) -> bool:
    return token in ("*", "?") or len(token) > 1


def _token_rx(token: str) -> str:
    if token == "*":
        return "[^/]*"
    if token == "?":
        return "[^/]"
    if len(token) > 1:
        body = token[1:-1]
        if body[:1] == "!":
            body = "^" + body[1:]
        return "[" + body.replace("\\", "\\\\") + "]"
    return re.escape(token)


@lru_cache(maxsize=4096)
def _segment_rx(segment: str, dot_rule: bool) -> re.Pattern[str] | None:
    tokens = _tokens(segment)
    lead = "(?!\\.)" if dot_rule and tokens[:1] and _wild(tokens[0]) else ""
    try:
        return re.compile(lead + "".join(_token_rx(t) for t in tokens))
    except re.error:
        return None


@lru_cache(maxsize=1024)
def _concrete(pattern: str) -> tuple[str, ...]:
    """Names a pattern segment stands for, its wildcards filled in (empty and one letter)."""
    tokens = _tokens(pattern)

    def fill(star: str) -> str:
        return "".join(
            star if t == "*" else "x" if t == "?" else t[1:2] if len(t) > 1 else t for t in tokens
        )

    return tuple(dict.fromkeys((fill(""), fill("x"))))


@lru_cache(maxsize=65536)
def segments_meet(glob: str, pattern: str) -> bool:
    """Could a file name written as `glob` in a command be one `pattern` describes?

    A literal name is matched exactly. A glob is matched against the names the pattern
    stands for, so the command's wildcards may stand for what the pattern spells out
    (`sha*` meets `shadow*`) but `*.log` does not meet `id_rsa*`: the `.log` is not a key's
    suffix. Like the shell, a leading wildcard does not match a leading dot."""
    if glob == pattern:
        return True
    if not any(c in glob for c in _GLOB_CHARS):
        rx = _segment_rx(pattern, False)
        return rx is not None and rx.fullmatch(glob) is not None
    rx = _segment_rx(glob, True)
    return rx is not None and any(rx.fullmatch(c) for c in _concrete(pattern))


def _globbed(segment: str) -> bool:
    return any(c in segment for c in _GLOB_CHARS)


def _paths_meet(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Can one path match both segment lists (`**` = any number of directories)?

    A file a pattern knows by its place (its last segment is `*`/`**`, `**/.ssh/*`, or one
    exact name a command's wildcard only could be, `rclone.conf` for `*.conf`) is met only
    when the command writes that place: the command's own `**` (what `find ROOT -name N`
    descends) standing for the place's directories is not enough (`/etc/nginx/**/*.conf` is
    no `~/.ssh/*` file), while `/home/**/id_*` still meets `**/.ssh/id_*` and
    `/home/**/credentials` meets `**/.aws/credentials` by their names."""
    by_place = bool(a and b) and (b[-1] in ("*", "**") or (_globbed(a[-1]) and not _globbed(b[-1])))
    seen: set[tuple[int, int, bool]] = set()
    stack = [(0, 0, False)]
    while stack:
        i, j, stood = stack.pop()
        if (i, j, stood) in seen:
            continue
        seen.add((i, j, stood))
        if i == len(a) and j == len(b):
            if not (stood and by_place):
                return True
            continue
        x = a[i] if i < len(a) else None
        y = b[j] if j < len(b) else None
        if x == "**":
            stack.append((i + 1, j, stood))
            if y is not None:
                stack.append((i, j + 1, stood or y != "**"))
        if y == "**":
            stack.append((i, j + 1, stood))
            if x is not None:
                stack.append((i + 1, j, stood))
        if x is not None and y is not None and x != "**" and y != "**" and segments_meet(x, y):
            stack.append((i + 1, j + 1, stood))
    return False


@lru_cache(maxsize=1)
def _tails() -> tuple[tuple[str, ...], str, tuple[str, ...]]:
    """Distinct last segments of all patterns, and their filled-in names as one text."""
    tails = tuple(sorted({p[-1] for _, pats, _ in _compiled() for p in pats if p[-1] != "**"}))
    names: list[str] = []
    owners: list[str] = []
    for t in tails:
        for c in _concrete(t):
            names.append(c)
            owners.append(t)
    return tails, "\n".join(names), tuple(owners)


@lru_cache(maxsize=16384)
def _tails_met(last: str) -> frozenset[str]:
    """The pattern last segments a path's last segment meets: one regex scan for a glob."""
    tails, text, owners = _tails()
    if last == "**":
        return frozenset(tails)
    if not any(c in last for c in _GLOB_CHARS):
        return frozenset(t for t in tails if segments_meet(last, t))
    rx = _segment_rx(last, True)
    if rx is None:
        return frozenset()
    lines = re.compile("^(?:" + rx.pattern.replace("[^/]", "[^/\\n]") + ")$", re.M)
    hit: set[str] = set()
    pos = {m.start() for m in lines.finditer(text)}
    offset = 0
    for name, owner in zip(text.split("\n"), owners, strict=True):
        if offset in pos:
            hit.add(owner)
        offset += len(name) + 1
    return frozenset(hit)


def _could_meet(form: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    """A cheap necessary condition (the first segments meet) before the full search."""
    first, head = form[0], pattern[0]
    return head == "**" or first == "**" or segments_meet(first, head)


def _excluded(last: str, excluded: tuple[str, ...]) -> bool:
    """Every name the last segment can match is excluded (`id_rsa.pub`, `id_*.pub`)."""
    return last in excluded or any((e in _PUB or e.startswith("*")) and last.endswith(e.lstrip("*"))
                                   for e in excluded)


# ---- public API -----------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _literal_rx() -> tuple[tuple[Kind, re.Pattern[str], tuple[str, ...]], ...]:
    from shturman.policy.rules import glob_regex

    return tuple(
        (kind, re.compile("|".join(f"(?:{glob_regex(p)})" for p in patterns)), excluded)
        for kind, patterns, excluded in _TABLE
    )


@lru_cache(maxsize=16384)
def classify_path(path: str) -> Secret | None:
    """The credential kind a (normalised, maybe globbed) path names, or None."""
    if not path or path in ("-", "/dev/null", ".", ".."):
        return None
    if path.startswith("$HOME"):
        path = "~" + path[5:]
    path = path.rstrip("/") or "/"
    if not any(c in path for c in _GLOB_CHARS):
        return _classify_literal(path)
    for kind, patterns, excluded in _compiled():
        for form in _segments(path):
            if not form or _excluded(form[-1], excluded):
                continue
            vague = all(_wild(t) for t in _tokens(form[-1]))
            if form[0] == "**":  # relative (unknown working directory): judged by what it
                form = form[1:]  # names, so only patterns that hold at any depth apply
                candidates = [p for p in patterns if p[0] == "**"]
            else:
                candidates = list(patterns)
            meets = _tails_met(form[-1]) if form else frozenset()
            for p in candidates:
                if p[-1] != "**" and form[-1] != "**" and p[-1] not in meets:
                    continue
                # `dir/*` names every file in dir: it meets a pattern that holds anywhere
                # only when the directory is the pattern's own (`~/.ssh/*` meets
                # `**/.ssh/id_*`; `/var/log/*` does not meet `**/*.key`)
                if (
                    vague
                    and "**" in p
                    and not (len(form) >= 2 and len(p) >= 3 and form[-2] == p[-2] and p[-2] != "**")
                ):
                    continue
                if form and _could_meet(form, p) and _paths_meet(form, p):
                    return Secret(kind, path)
    return None


def _classify_literal(path: str) -> Secret | None:
    if path.startswith("~") and not path.startswith(("~/", "~root")) and path != "~":
        path = "/home/" + path[1:]
    last = path.rsplit("/", 1)[-1]
    tries = [path]
    if path.startswith("../"):  # unknown working directory: it may climb to /
        tries.append("/" + path.lstrip("./"))
    for kind, rx, excluded in _literal_rx():
        if _excluded(last, excluded):
            continue
        if any(rx.fullmatch(t) for t in tries):
            return Secret(kind, path)
    return None


@lru_cache(maxsize=4096)
def classify_tree(path: str, system: bool = True) -> Secret | None:
    """A directory read recursively: does its tree hold credentials? Home directories and
    `/` always do; with `system`, so does every directory above a known credential file
    (`/etc` for `/etc/shadow`, `/var/lib` for Jenkins secrets). A project directory does
    not. Archivers pass system=False: a local backup of `/etc` is an admin's routine."""
    found = classify_path(path)
    if found is not None:
        return found
    if path.startswith("$HOME"):
        path = "~" + path[5:]
    if not path.startswith(("/", "~")):
        return None
    roots = _tree_roots() if system else _home_roots()
    for form in _segments(path.rstrip("/") or "/"):
        if any(len(form) == len(r) and _paths_meet(form, r) for r in roots):
            return Secret(Kind.CREDENTIAL_TREE, path)
    return None


# ---- commands that print credentials without naming a file ------------------------------
_PS_BSD = re.compile(r"[aAcCefghjlLmMnrsStTuvwxXZ]*e[aAcCefghjlLmMnrsStTuvwxXZ]*")
_PS_VALUE = frozenset(
    [
        "-o",
        "-O",
        "-p",
        "-q",
        "-u",
        "-U",
        "-g",
        "-G",
        "-C",
        "-t",
        "-s",
        "--format",
        "--pid",
        "--ppid",
        "--user",
        "--group",
        "--sort",
        "-k",
        "--cols",
        "--columns",
        "--rows",
        "-N",
    ]
)
_KUBE_VALUE = frozenset(
    [
        "-n",
        "--namespace",
        "--context",
        "--kubeconfig",
        "-o",
        "--output",
        "-l",
        "--selector",
        "-c",
        "--container",
        "-f",
        "--filename",
        "--cluster",
        "--user",
        "-s",
        "--server",
        "--field-selector",
        "--template",
        "--sort-by",
        "--chunk-size",
    ]
)
_SYSTEMCTL_VALUE = frozenset(
    [
        "-H",
        "--host",
        "-M",
        "--machine",
        "-t",
        "--type",
        "--state",
        "-p",
        "--property",
        "-P",
        "-n",
        "--lines",
        "-o",
        "--output",
        "--root",
    ]
)
_DOCKER_VALUE = frozenset(
    ["-H", "--host", "--context", "-c", "--config", "-l", "--log-level", "--type"]
)
_HELM_VALUE = frozenset(
    ["-n", "--namespace", "--kube-context", "--kubeconfig", "-o", "--output", "--revision"]
)
_CRICTL_VALUE = frozenset(
    [
        "-r",
        "--runtime-endpoint",
        "-i",
        "--image-endpoint",
        "-t",
        "--timeout",
        "-c",
        "--config",
        "-o",
        "--output",
        "--template",
    ]
)
_CTR_VALUE = frozenset(["-a", "--address", "-n", "--namespace", "--timeout", "--connect-timeout"])
_COMPOSE_VALUE = frozenset(
    [
        "-f",
        "--file",
        "-p",
        "--project-name",
        "--env-file",
        "--profile",
        "--project-directory",
        "--format",
        "--ansi",
        "--parallel",
        "--progress",
        "-o",
        "--output",
    ]
)
_JQ_ENV = re.compile(r"(?<![\w.$])env(?![\w])|\$ENV\b")


def _positionals(args: Sequence[str], value_opts: frozenset[str]) -> list[str]:
    out: list[str] = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a.startswith("-") and len(a) > 1:
            # `-o VALUE`, and combined short flags whose last one takes it (`ps -eo state`)
            skip = a in value_opts or (not a.startswith("--") and "=" not in a and len(a) > 2
                                       and f"-{a[-1]}" in value_opts)
            continue
        out.append(a)
    return out


def _option_values(args: Sequence[str], names: tuple[str, ...]) -> list[str]:
    values: list[str] = []
    for i, a in enumerate(args):
        for n in names:
            if a == n and i + 1 < len(args):
                values.append(args[i + 1])
            elif n.startswith("--") and a.startswith(n + "="):
                values.append(a[len(n) + 1 :])
            elif len(n) == 2 and a.startswith(n) and len(a) > 2 and not a.startswith("--"):
                values.append(a[2:])
    return values


# programs classify_command knows by name; any other is only checked for metadata URLs
# database clients that print their option files' settings, passwords included
_DB_PRINTERS = ("mysql", "mariadb", "mysqldump", "mysqladmin", "my_print_defaults",
                "mariadb-print-defaults")
_LDAP_READERS = ("ldapsearch", "slapcat")
_LDAP_VALUE = frozenset(["-b", "-D", "-w", "-y", "-H", "-h", "-p", "-s", "-f", "-T", "-l",
                         "-z", "-o", "-E", "-e", "-O", "-Y", "-U", "-X", "-R", "-a", "-P"])
_REDIS_CLIENTS = ("redis-cli", "valkey-cli", "keydb-cli")
_REDIS_VALUE = frozenset(["-h", "-p", "-a", "-n", "-u", "--user", "--pass", "-s", "-r", "-i",
                          "--tls-cert", "--tls-key", "--cacert", "--sni"])
_CLASSIFIED = frozenset(
    [
        "printenv",
        "env",
        "ps",
        "jq",
        "systemctl",
        "docker-compose",
        "podman-compose",
        "docker",
        "podman",
        "nerdctl",
        "kubectl",
        "oc",
        "k3s-kubectl",
        "helm",
        "crictl",
        "ctr",
        "export",
        "declare",
        "typeset",
        "set",
        "readonly",
        "pm2",
        "gcore",
        "gdb",
        "history",
        "fc",
        "wg",
        "ip",
        "git",
        "gh",
        *_DB_PRINTERS,
        *_LDAP_READERS,
        *_REDIS_CLIENTS,
    ]
)


def classify_command(name: str, args: Sequence[str]) -> Secret | None:
    """A program whose output is credentials though it names no credential file."""
    if name not in _CLASSIFIED and not name.startswith("docker-credential-"):
        if any(_METADATA_HOST.match(a) for a in args):  # cloud instance credentials
            return Secret(Kind.CREDENTIAL_STORE, " ".join([name, *args])[:120])
        return None
    what = " ".join([name, *args])[:120]
    env = Secret(Kind.PROCESS_ENV, what)
    if name == "printenv":
        return env if not _positionals(args, frozenset()) else None
    if name == "env":  # bare `env` (a wrapped command would have been unwrapped)
        rest = _positionals(args, frozenset(["-u", "--unset", "-C", "--chdir"]))
        return env if all("=" in a for a in rest) else None
    if name == "ps":
        if any(a in ("-E", "--env") for a in args):
            return env
        if any(_PS_BSD.fullmatch(a) for a in _positionals(args, _PS_VALUE)):
            return env
        return None
    if name == "jq" and any(_JQ_ENV.search(a) for a in args if not a.startswith("-")):
        return env
    if name == "systemctl":
        pos = _positionals(args, _SYSTEMCTL_VALUE)
        if pos[:1] == ["show-environment"]:
            return env
        if pos[:1] != ["show"]:
            return None
        props = ",".join(_option_values(args, ("-p", "--property", "-P")))
        if not props or "environment" in props.lower():
            return env
        return None
    if name in ("docker-compose", "podman-compose"):
        pos = _positionals(args, _COMPOSE_VALUE)
        return env if _compose_config(args, pos) else None
    if name in ("docker", "podman", "nerdctl"):
        pos = _positionals(args, _DOCKER_VALUE | frozenset(["-f", "--format"]))
        if pos[:1] == ["compose"] and _compose_config(
            args, _positionals(args[args.index("compose") + 1 :], _COMPOSE_VALUE)
        ):
            return env
        if pos[:2] == ["secret", "inspect"] and any(
            a in ("--showsecret", "--show-secret") for a in args
        ):  # `podman secret inspect --showsecret`: the secret's value
            return Secret(Kind.CREDENTIAL_STORE, what)
        # swarm services carry their tasks' environment, swarm configs their data
        inspects = pos[:1] == ["inspect"] or (
            len(pos) > 1
            and pos[0] in ("container", "image", "service", "config")
            and pos[1] == "inspect"
        )
        if not inspects:
            return None
        formats = _option_values(args, ("-f", "--format"))
        if not formats or any(exposes_environment(f) for f in formats):
            return env
        return None
    if name in ("kubectl", "oc", "k3s-kubectl"):
        return _cluster_secret(args, what)
    if name == "helm":
        return _release_values(args, what)
    if name in ("crictl", "ctr"):
        return _runtime_inspect(name, args, what)
    if name in ("export", "declare", "typeset", "set", "readonly"):
        return _shell_variables(name, args, env)
    if name == "pm2" and args[:1] in (["env"], ["show"]):
        return env
    if name == "gcore" or (name == "gdb" and any(a in ("-p", "--pid") for a in args)):
        return Secret(Kind.PROCESS_MEMORY, what)
    if name == "history" and not any(a.startswith("-") for a in args):
        return Secret(Kind.SHELL_HISTORY, what)
    if name == "fc" and any(a.startswith("-") and "l" in a for a in args):
        return Secret(Kind.SHELL_HISTORY, what)
    if name == "wg" and (
        args[:1] == ["showconf"] or any(a in ("private-key", "preshared-keys") for a in args)
    ):
        return Secret(Kind.PRIVATE_KEY, what)
    if name == "ip" and _positionals(args, frozenset(["-n", "-netns"]))[:2] in (
        ["xfrm", "state"],
        ["x", "s"],
        ["xfrm", "s"],
    ):
        return Secret(Kind.PRIVATE_KEY, what)
    if any(_METADATA_HOST.match(a) for a in args):  # cloud instance credentials
        return Secret(Kind.CREDENTIAL_STORE, what)
    store = Secret(Kind.CREDENTIAL_STORE, what)
    pos = _positionals(
        args, frozenset(["-C", "-c", "--git-dir", "--work-tree", "-h", "--hostname"])
    )
    if name == "git" and pos[:2] in (["credential", "fill"], ["credential-store", "get"]):
        return store
    if name in _DB_PRINTERS and (
        name.endswith(("print-defaults", "print_defaults")) or "--print-defaults" in args
    ):  # `[client] password=…` from ~/.my.cnf, printed as an option
        return store
    if name == "slapcat":  # the whole directory, every userPassword with it
        return store
    if name == "ldapsearch" and any(
        a.lower() in ("userpassword", "*", "+*", "unicodepwd", "sambantpassword")
        for a in _positionals(args, _LDAP_VALUE)  # the attributes after the filter
    ):
        return store
    if name in _REDIS_CLIENTS:
        words = [a.lower() for a in _positionals(args, _REDIS_VALUE)]
        if words[:2] in (["acl", "list"], ["acl", "getuser"]):  # password hashes
            return store
    if name == "gh" and pos[:2] == ["auth", "token"]:
        return store
    if name.startswith("docker-credential-") and pos[:1] in (["get"], ["list"]):
        return store
    return None


_METADATA_HOST = re.compile(
    r"^(?:[a-z]+://)?(?:169\.254\.169\.254|metadata\.google\.internal|100\.100\.100\.200|"
    r"\[?fd00:ec2::254\]?|169\.254\.170\.2)(?:[:/]|$)",
    re.I,
)


def _shell_variables(name: str, args: Sequence[str], env: Secret) -> Secret | None:
    """`export`, `export -p`, `declare -x`, bare `set`: every variable, exported ones too."""
    names = [a for a in args if not a.startswith(("-", "+"))]
    flags = "".join(a[1:] for a in args if a.startswith("-"))
    if name == "set":
        return env if not args else None
    if names:
        return None
    if name == "export" or name == "readonly":
        return env if not flags or "p" in flags else None
    return env if not flags or set(flags) & set("xp") else None


def _cluster_secret(args: Sequence[str], what: str) -> Secret | None:
    secret = Secret(Kind.CLUSTER_SECRET, what)
    for raw in _option_values(args, ("--raw",)):  # `kubectl get --raw /api/v1/…/secrets`
        segments = [s for s in raw.lower().split("?", 1)[0].split("/") if s]
        if any(s.startswith("secret") for s in segments) or any(
            not kube_kind_plain(s) for s in segments[3:] if not s.startswith("v1")
        ):
            return secret
    pos = _positionals(args, _KUBE_VALUE)
    verb = pos[0].lower() if pos else ""
    if verb == "create" and pos[1:2] == ["token"]:  # mints and prints a bearer token
        return secret
    if verb == "set" and pos[1:2] == ["env"] and "--list" in args:  # prints the values
        return Secret(Kind.PROCESS_ENV, what)
    if verb not in ("get", "describe", "edit"):
        return None
    kinds = [item for p in pos[1:2] for item in p.lower().split(",") if item]
    kinds += [p.lower() for p in pos[2:] if "/" in p]  # `get deploy/api pod/web`
    if any(k.split("/", 1)[0].split(".", 1)[0] in ("secret", "secrets") for k in kinds):
        return secret
    if verb == "describe":
        if any(k.split("/", 1)[0].split(".", 1)[0] in DESCRIBE_REVEALS for k in kinds):
            return secret  # `kubectl describe configmap` prints its data
        return None
    if verb == "get" and (not kinds or not all(kube_kind_plain(k) for k in kinds)):
        formats = _option_values(args, ("-o", "--output"))
        if kube_output_reveals(formats, _option_values(args, ("--template",))):
            return secret  # `-o yaml` of pods, deployments, config maps: env and data
    return None


def _release_values(args: Sequence[str], what: str) -> Secret | None:
    """`helm get values|all|manifest|hooks`, `helm status -o json`: a release's values
    (where charts take passwords) or its rendered Secrets and environments."""
    pos = _positionals(args, _HELM_VALUE)
    if pos[:1] == ["get"] and pos[1:2] in (["values"], ["all"], ["manifest"], ["hooks"]):
        return Secret(Kind.CLUSTER_SECRET, what)
    formats = [f.lstrip("=").lower() for f in _option_values(args, ("-o", "--output"))]
    if pos[:1] == ["status"] and any(f in ("json", "yaml") for f in formats):
        return Secret(Kind.CLUSTER_SECRET, what)
    return None


def _runtime_inspect(name: str, args: Sequence[str], what: str) -> Secret | None:
    """`crictl inspect ID` prints the container config with its `envs`; `inspecti` an
    image's; `ctr containers info` the whole OCI spec with `process.env`."""
    env = Secret(Kind.PROCESS_ENV, what)
    if name == "ctr":
        pos = _positionals(args, _CTR_VALUE)
        return env if pos[:1] in (["c"], ["container"], ["containers"]) and "info" in pos else None
    pos = _positionals(args, _CRICTL_VALUE)
    if pos[:1] not in (["inspect"], ["inspecti"]):
        return None
    formats = [f.lstrip("=") for f in _option_values(args, ("-o", "--output"))]
    if formats and all(f == "table" for f in formats):
        return None
    if formats and all(f in ("go-template", "template") for f in formats):
        templates = _option_values(args, ("--template",))
        if templates and not any(go_template_reveals(t) for t in templates):
            return None
    return env


def _compose_config(args: Sequence[str], sub: Sequence[str]) -> bool:
    """`docker compose config` prints the model with every `env_file` merged into
    `environment:`; `-q` and the name lists (`--services`) print no values."""
    if list(sub[:1]) != ["config"]:
        return False
    if any(a in ("--environment", "--variables") for a in args):
        return True
    quiet = ("-q", "--quiet", "--services", "--volumes", "--profiles", "--images", "--hash")
    return not any(a in quiet or a.startswith("--hash=") for a in args)
