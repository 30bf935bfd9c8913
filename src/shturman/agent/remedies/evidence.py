"""What the runbook knows about a failing service: its unit, its ports, its logs.

Everything here is learned on the host (the unit file, the files it names, the service's own
log lines), never assumed from a lab layout.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from shturman.agent.remedies.dropins import drop_in_paths
from shturman.hosts.facts import ServiceManager
from shturman.hosts.servicemgr import (
    ADDRESS_PORT,
    plausible_port,
    ports_in_unit,
    service_command,
)
from shturman.tools import ToolContext

PATH_RE = re.compile(r"(?<![\w.])(/[\w@%+=:,./~-]+|~/[\w@%+=:,./-]+)")
RELATIVE_RE = re.compile(r"(?<![\w/.~:-])((?:\.{1,2}/)*[A-Za-z_][\w.@+-]*(?:/[\w.@+-]+)+)")
CONFIG_SUFFIXES = (".conf", ".cfg", ".ini", ".json", ".yaml", ".yml", ".toml", ".env",
                   ".properties", ".xml", ".cnf")
PORT_IN_USE_RE = re.compile(
    r"address already in use|EADDRINUSE|errno 98\b|\(98: |port \d+ (?:is )?already in use",
    re.IGNORECASE)
# a port named near "address already in use": "bind() to 0.0.0.0:8080 failed (98: …)",
# "listen tcp :8080: bind: address already in use", "port 8080 is already in use",
# "cannot listen on 127.0.0.1:8080: [Errno 98] …" — never the line's timestamp or pid
BIND_PORT_RE = re.compile(ADDRESS_PORT + r"|\bport\s+(\d{2,5})\b", re.IGNORECASE)
CONFIG_PORT_RE = re.compile(
    r"^\s*[\"']?(?:listen|port|http_port|bind_port|server\.port|PORT|LISTEN_PORT)[\"']?\s*"
    r"[=:\s]\s*"
    r"(?:[\w.\[\]*]+:)?(\d{2,5})\b", re.IGNORECASE | re.MULTILINE)
ERROR_WORDS = re.compile(
    r"error|fatal|failed|failure|denied|refused|cannot|can't|could not|unable|no such|"
    r"not found|invalid|expired|panic|exception|abort|killed|exit(?:ed)? (?:code|status)|"
    r"emerg|crit", re.IGNORECASE)
TOOL_NOISE = re.compile(r"^\s*(Traceback \(most recent call last\)|File \"[^\"]*systemctl|"
                        r"\$ |journalctl: )")
# a config setting that names the service's own log file: `error_log /x/error.log warn;`,
# `log_file = "/var/log/app.log"`, `paths.log_file = …`, `logfile: …` (access logs say nothing)
CONFIG_LOG_RE = re.compile(
    r"^\s*(?P<key>[\w.-]*log[\w.-]*)\s*[=:\s]\s*[\"']?(?P<path>/[^\s\"';]+)",
    re.IGNORECASE | re.MULTILINE)
# a section/key pair that names a log file: `[log] file = …`, YAML `log:` / `  path: …`,
# JSON `"logging": {"file": …}`
SECTION_RE = re.compile(r"^\s*(?:\[(?P<ini>[^\]]+)\]|[\"']?(?P<key>[\w.-]+)[\"']?\s*:\s*\{?)\s*$")
SETTING_RE = re.compile(
    r"^(?P<indent>\s*)[\"']?(?P<key>[\w.-]+)[\"']?\s*[=:]\s*[\"']?(?P<value>[^\s\"';,]+)")
LOG_LEAVES = ("file", "path", "filename", "file_name", "location", "output", "target")
LOG_TAIL_LINES = 80
MAX_LOG_FILES = 3
ENV_REF = re.compile(r"\$\{(\w+)\}|\$(\w+)")
SPECIFIER = re.compile(r"%([%inNpIP])")


@dataclass(frozen=True, slots=True)
class Evidence:
    server: str
    service: str
    unit: str  # the unit file's text ("" when the manager has none)
    ports: tuple[int, ...]
    logs: str  # the service's recent log lines (its journal, status text, log files it names)
    configs: tuple[str, ...]  # config files the unit names
    workdir: str | None
    user: str | None
    environment: tuple[tuple[str, str], ...] = ()  # Environment= and EnvironmentFile= values
    log_files: tuple[str, ...] = ()  # log files its command line or config files name

    def unit_values(self, key: str) -> list[str]:
        return unit_values(self.unit, key)

    @property
    def argv(self) -> list[str]:
        """ExecStart as the manager runs it: `$VARS` and `%i`-style specifiers expanded."""
        return exec_argv(self.unit, dict(self.environment), self.service)

    @property
    def commands(self) -> list[list[str]]:
        """Every ExecStartPre and ExecStart command line, expanded like :attr:`argv`."""
        env = dict(self.environment)
        return [command_argv(v, env, self.service)
                for v in self.unit_values("ExecStartPre") + self.unit_values("ExecStart") if v]

    @property
    def group(self) -> str | None:
        return unit_value(self.unit, "Group")


@dataclass(frozen=True, slots=True)
class Finding:
    """A cause a remedy found and must leave alone (no safe fix, or not ours to make)."""

    cause: str


Remedy = Callable[[ToolContext, Evidence], Awaitable[str | Finding | None]]


def unit_values(unit: str, key: str) -> list[str]:
    """Every value of ``key`` in the unit and its drop-ins, in order, as systemd reads them:
    an empty assignment (``ExecStart=`` in an ``override.conf``) resets the list."""
    values: list[str] = []
    for line in unit.splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name.strip() == key:
            if value.strip():
                values.append(value.strip())
            else:
                values = []
    return values


def unit_value(unit: str, key: str) -> str | None:
    """A single-valued setting (``WorkingDirectory=``, ``User=``): the last one wins."""
    values = unit_values(unit, key)
    return values[-1] if values else None


def exec_argv(unit: str, env: Mapping[str, str] | None = None, service: str = "") -> list[str]:
    """The ExecStart command line as argv (systemd's `-@+!:` prefixes dropped; with ``env``
    and ``service``, its `$VARS` and specifiers expanded)."""
    for value in unit_values(unit, "ExecStart"):
        if value:
            return command_argv(value, env or {}, service)
    return []


def command_argv(value: str, env: Mapping[str, str], service: str) -> list[str]:
    """One Exec*= value as argv: `$VAR`/`${VAR}` from the unit's environment (unknown ones are
    kept as written), then the unit-name specifiers (`%i`, `%n`, `%p`, …)."""
    text = ENV_REF.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)),
                       value.lstrip("-@+!:"))
    if service:
        text = expand_specifiers(text, service)
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def expand_specifiers(text: str, service: str) -> str:
    name = service if "." in service.rpartition("@")[2] else f"{service}.service"
    prefix, at, instance = name.rsplit(".", 1)[0].partition("@")
    values = {"%": "%", "n": name, "N": name.rsplit(".", 1)[0], "p": prefix, "P": prefix,
              "i": instance if at else "", "I": instance if at else ""}
    return SPECIFIER.sub(lambda m: values[m.group(1)], text)


def environment(unit: str, env_file_texts: Sequence[str]) -> dict[str, str]:
    """The variables a unit's commands see: Environment=, then its EnvironmentFile= files
    (as in systemd, a variable set in a file overrides the same one set by Environment=)."""
    env: dict[str, str] = {}
    for value in unit_values(unit, "Environment"):
        try:
            words = shlex.split(value)
        except ValueError:
            words = value.split()
        for word in words:
            key, eq, val = word.partition("=")
            if eq and re.fullmatch(r"\w+", key):
                env[key] = val
    for text in env_file_texts:
        env.update(parse_env_file(text))
    return env


def parse_env_file(text: str) -> dict[str, str]:
    """``KEY=value`` lines of an EnvironmentFile (``/etc/default/NAME``): comments, ``export``,
    quotes as a shell would read them."""
    env: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, eq, value = line.removeprefix("export ").partition("=")
        key = key.strip()
        if not eq or not re.fullmatch(r"[A-Za-z_]\w*", key):
            continue
        try:
            words = shlex.split(value, comments=True)
        except ValueError:
            words = [value.strip().strip("\"'")]
        env[key] = " ".join(words)
    return env


def log_paths(config_text: str, workdir: str | None = None) -> list[str]:
    """Log files a config file names for the service's own messages (not access logs): a
    ``*log*`` key, or a ``file``/``path`` key in a ``log`` section (INI, YAML, JSON); a
    relative value is resolved against ``workdir`` (the daemon's working directory)."""
    found = [(m.group("key"), m.group("path")) for m in CONFIG_LOG_RE.finditer(config_text)]
    section = ""
    for line in config_text.splitlines():
        head = SECTION_RE.match(line)
        if head and (head.group("ini") or line.rstrip().endswith("{") or not line[:1].isspace()):
            section = (head.group("ini") or head.group("key") or "").strip().lower()
            continue
        setting = SETTING_RE.match(line)
        if (setting and "log" in section.split(".")[-1]
                and setting.group("key").lower() in LOG_LEAVES):
            found.append((f"{section}.{setting.group('key')}", setting.group("value")))
    paths = []
    for key, value in found:
        path = resolve(value.rstrip(".,"), workdir)
        if (path and "access" not in key.lower() and "access" not in path.rsplit("/")[-1]
                and path.startswith("/")):
            paths.append(path)
    return list(dict.fromkeys(paths))


def resolve(path: str, workdir: str | None) -> str:
    """``path`` as the daemon sees it: a relative one against its working directory
    ("" when there is none, or it is not a path at all)."""
    if path.startswith("/"):
        return posixpath.normpath(path)
    if not workdir or not workdir.startswith("/") or not (
            "/" in path or path.endswith((".log", *CONFIG_SUFFIXES))):
        return ""
    return posixpath.normpath(posixpath.join(workdir, path))


def relative_paths_in(text: str, workdir: str | None) -> list[str]:
    """Relative paths a log line names (``keys/signing.key``, ``./data/x``), resolved against
    the working directory; none without one."""
    if not workdir:
        return []
    found = [resolve(m.group(1).rstrip(".,:;'\")"), workdir) for m in RELATIVE_RE.finditer(text)]
    return list(dict.fromkeys(p for p in found if p))


def config_args(argv: list[str], workdir: str | None) -> list[str]:
    """Config files the command line names, absolute or relative to the working directory
    (``--config conf/app.yaml``, ``--config=conf/app.yaml``)."""
    found = []
    for arg in argv[1:]:
        value = arg.partition("=")[2] if arg.startswith("-") else arg
        if value.endswith(CONFIG_SUFFIXES) and (path := resolve(value, workdir)):
            found.append(path)
    return list(dict.fromkeys(found))


_HTTP_VERBS = tuple(f"{verb} " for verb in ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH",
                                             "OPTIONS", "CONNECT"))


def paths_in(text: str) -> list[str]:
    found = []
    for match in PATH_RE.finditer(text):
        path = match.group(1).rstrip(".,:;'\")")
        # "//host/…" is the tail of a URL ("http://unix:/run/app.sock:/health"), and
        # "GET /health HTTP/1.1" a request's path: neither is a file the service lacks
        if text[:match.start()].endswith(_HTTP_VERBS):
            continue
        if len(path) > 1 and not path.startswith(("/dev/", "/proc/", "/sys/", "//")):
            found.append(path)
    return list(dict.fromkeys(found))


def ports_in_logs(logs: str) -> list[int]:
    ports: list[int] = []
    for line in logs.splitlines():
        if PORT_IN_USE_RE.search(line):
            for match in BIND_PORT_RE.finditer(line):
                port = int(match.group("port") or match.group(2))
                if plausible_port(port) and port not in ports:
                    ports.append(port)
    return ports


def ports_in_config(text: str) -> list[int]:
    return list(dict.fromkeys(int(p) for p in CONFIG_PORT_RE.findall(text)
                              if plausible_port(int(p))))


def config_dirs(argv: list[str]) -> list[str]:
    """Config directories the command line names: the value of a ``--config-dir``-like option
    (``--conf-dir DIR``, ``--confdir=DIR``) or a ``….d`` directory (``/etc/app/conf.d``)."""
    found = []
    for i, arg in enumerate(argv[1:], start=1):
        option, eq, value = arg.partition("=")
        if eq and option.startswith("-") and "conf" in option.lower():
            candidate = value
        elif arg.startswith("-"):
            continue
        elif argv[i - 1].startswith("-") and "conf" in argv[i - 1].lower():
            candidate = arg
        else:
            candidate = arg if arg.rstrip("/").endswith(".d") else ""
        candidate = candidate.rstrip("/")
        if candidate.startswith("/") and not candidate.endswith(CONFIG_SUFFIXES):
            found.append(candidate)
    return list(dict.fromkeys(found))


async def _config_files_in(ctx: ToolContext, server: str, directory: str) -> list[str]:
    listing = await ctx.sh(server, f"ls -1 -- {shlex.quote(directory)}")
    if listing.outcome != "ok":
        return []
    return [f"{directory}/{name.strip()}" for name in sorted(listing.stdout.splitlines())
            if name.strip().endswith(CONFIG_SUFFIXES) and "/" not in name.strip()]


def interesting_lines(logs: str, limit: int = 8) -> list[str]:
    """The log lines that matter for a human: errors, not our tools' own noise."""
    lines = [line.rstrip() for line in logs.splitlines()
             if line.strip() and ERROR_WORDS.search(line) and not TOOL_NOISE.match(line)]
    return list(dict.fromkeys(lines))[-limit:]


async def gather(ctx: ToolContext, server: str, service: str, logs: str) -> Evidence:
    """Read the unit file, its environment and the config files its command line names;
    learn the service's ports; when ``logs`` were read, add the tails of the log files the
    command line or the configs name (a daemon that logs only to its own file)."""
    mgr = await ctx.manager(server)
    unit = ""
    if mgr in (ServiceManager.SYSTEMD, ServiceManager.SYSTEMCTL3):
        unit = await _unit_text(ctx, server, mgr, service)
    env_files = [expand_specifiers(v.lstrip("-"), service)
                 for v in unit_values(unit, "EnvironmentFile") if v.lstrip("-")]
    texts = {p: t for p in env_files if (t := await _read(ctx, server, p)) is not None}
    env = environment(unit, list(texts.values()))
    argv = exec_argv(unit, env, service)
    workdir = _workdir(unit, service)
    configs = [p for p in paths_in(" ".join(argv[1:])) if p.endswith(CONFIG_SUFFIXES)]
    configs += [p for p in config_args(argv, workdir) if p not in configs]
    configs += [p for p in env_files if p not in configs]
    for directory in config_dirs(argv):
        configs += [p for p in await _config_files_in(ctx, server, directory)
                    if p not in configs]
    for path in configs[:8]:
        if path not in texts and (text := await _read(ctx, server, path)) is not None:
            texts[path] = text
    named_logs = [p for p in paths_in(" ".join(argv[1:])) if p.endswith(".log")]
    named_logs += [p for t in texts.values() for p in log_paths(t, workdir)
                   if p not in named_logs]
    if logs.strip():
        logs = "\n".join([logs, *[t for p in named_logs[:MAX_LOG_FILES]
                                  if (t := await _tail(ctx, server, p))]])
    # the port the service itself failed to bind is the surest; then its unit, its config
    ports = ports_in_logs(logs)
    ports += [p for p in ports_in_unit(unit) if p not in ports]
    for text in texts.values():
        ports += [p for p in ports_in_config(text) if p not in ports]
    user = unit_value(unit, "User")
    return Evidence(server, service, unit, tuple(ports), logs, tuple(configs), workdir, user,
                    tuple(env.items()), tuple(named_logs))


def _workdir(unit: str, service: str) -> str | None:
    value = (unit_value(unit, "WorkingDirectory") or "").lstrip("-")
    return expand_specifiers(value, service) if value else None


async def _unit_text(ctx: ToolContext, server: str, mgr: ServiceManager, service: str) -> str:
    """The unit file; for an instance (``app@2``) the manager cannot show, its template's
    (``app@.service``: the specifiers are expanded later, as the manager would)."""
    shown = await ctx.sh(server, service_command(mgr, "show", service))
    if shown.outcome == "ok" and shown.stdout.strip():
        return shown.stdout + await _drop_ins(ctx, server, mgr, service, shown.stdout)
    prefix, at, instance = service.removesuffix(".service").partition("@")
    if not (at and instance and prefix):
        return ""
    template = await ctx.sh(server, service_command(mgr, "show", f"{prefix}@.service"))
    return template.stdout if template.outcome == "ok" else ""


async def _drop_ins(ctx: ToolContext, server: str, mgr: ServiceManager, service: str,
                    shown: str) -> str:
    """The drop-ins (``NAME.service.d/*.conf``) ``systemctl cat`` left out (systemd's own
    prints them after ``# /path`` headers; a manager that does not is asked for their paths by
    ``systemctl status``), each after a ``# PATH`` header, as systemd's cat shows them."""
    if re.search(r"^# /\S+\.d/[^/\s]+\.conf$", shown, re.MULTILINE):
        return ""  # systemd's cat printed them already
    status = await ctx.sh(server, service_command(mgr, "status", service))
    texts = []
    for path in drop_in_paths(status.stdout)[:8]:
        if f"# {path}" in shown:
            continue
        if (text := await _read(ctx, server, path)) is not None:
            texts.append(f"\n# {path}\n{text}")
    return "".join(texts)


async def _read(ctx: ToolContext, server: str, path: str) -> str | None:
    text = await ctx.sh(server, f"cat {shlex.quote(path)}")
    return text.stdout if text.outcome == "ok" else None


async def _tail(ctx: ToolContext, server: str, path: str) -> str:
    """The log's last lines; when the live log is empty or gone (just rotated), those of
    its newest compressed rotated copy (``NAME.log.1.gz``, ``NAME.log-20261201.gz``)."""
    text = await ctx.sh(server, f"tail -n {LOG_TAIL_LINES} {shlex.quote(path)}")
    if text.outcome == "ok" and text.stdout.strip():
        return text.stdout
    return await _rotated_tail(ctx, server, path)


async def _rotated_tail(ctx: ToolContext, server: str, path: str) -> str:
    q = shlex.quote(path)
    listing = await ctx.sh(server, f"ls -1t -- {q}.*.gz {q}-*.gz {q}.gz")
    newest = next((n.strip() for n in listing.stdout.splitlines()
                   if n.strip().startswith(path) and n.strip().endswith(".gz")), None)
    if newest is None:
        return ""
    for reader in ("zcat --", "gzip -dc --"):
        text = await ctx.sh(server, f"{reader} {shlex.quote(newest)} | tail -n "
                                    f"{LOG_TAIL_LINES}")
        if text.outcome == "ok" and text.stdout.strip():
            return f"({newest})\n{text.stdout}"
    return ""  # (a missing zcat shows as empty output through the pipe: gzip is tried next)
