"""The fifth blind fault set (``blind5``): deploy-style releases, drop-ins, unix sockets.

Inside the host's own root (``~/sysroot``, the root its ``systemctl`` uses) every app is
deployed the way Capistrano/Deployer-style tools do it: ``/srv/<app>/releases/<timestamp>/``
(one directory per deploy, with ``bin/<app>`` and ``REVISION``), ``/srv/<app>/current`` a
symlink to the live release, ``/srv/<app>/shared/{config,log,sockets,data}`` kept across
releases. The unit is minimal (``ExecStart=/srv/<app>/current/bin/<app>``,
``WorkingDirectory=/srv/<app>/current``); its settings come from a systemd drop-in
``/etc/systemd/system/<app>.service.d/override.conf`` (``EnvironmentFile=/etc/default/<app>``,
sometimes ``Environment=LISTEN=…`` or a reset-and-replace ``ExecStart=``) and a Debian
``/etc/default/<app>`` env file. Some apps listen on a unix socket behind an nginx
(``/etc/nginx/sites-enabled/<app>`` → ``proxy_pass http://unix:…``), some on plain TCP
ports; some log only to the journal, others to ``shared/log/<app>.log`` next to
logrotate-compressed ``.log.N.gz`` files. Ports 8451-8463 (one set per scenario: earlier
hosts' units keep running).

The daemon is ``blind5_app.py``. ``prepare`` makes each fault real and checks it; ``check``
judges from outside: HTTP answered by the unit's own main process (through the nginx when
there is one), unit state, file contents, and for the faults nobody on the host can fix
(``expect_fixed = False``) whether anything under the host's root changed (logs, ``/run``
and ``/tmp`` excepted). Each fixable scenario also has ``reference_fix``: what an operator
would do by hand, used only to check that its ``check`` can pass (never by the harness).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import stat
import textwrap
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from tests.hostlab import faults, units
from tests.hostlab.lab import TestHost, _pid_alive

from . import blind5_app
from .blind import BlindCheck, _owned_dirs, _owned_file, _port, snapshot_diff, tree_snapshot
from .blind3 import _in_journal, _journal, served_by_unit
from .blind4 import days_ago, start_by_hand
from .catalog import Check, Scenario, _active_check, _require, _stop, _verdict, fetch

APP = Path(__file__).with_name("blind5_app.py")
BLIND5_USER_PREFIX = "shb5"
BLIND5_NAME_PREFIX = "sbx"
OLD_RELEASE = "20261126T142210"
LIVE_RELEASE = "20261201T101533"


# ------------------------------------------------------------------ layout
@dataclass
class Deployed:
    """One app deployed into ``/srv/<unit>`` (all paths are real paths, inside the sysroot)."""

    host: TestHost
    unit: str
    base: Path
    listen: str
    env_file: Path
    dropin: Path
    log_file: Path | None
    url: str = ""
    releases: list[str] = field(default_factory=list)

    @property
    def current(self) -> Path:
        return self.base / "current"

    @property
    def shared(self) -> Path:
        return self.base / "shared"

    def release(self, name: str) -> Path:
        return self.base / "releases" / name

    def log_text(self) -> str:
        text = _journal(self.host, self.unit)
        if self.log_file is not None and self.log_file.exists():
            text += self.log_file.read_text(errors="replace")
        return text


def _env_text(unit: str, env: dict[str, str], note: str = "") -> str:
    lines = [f"# Defaults for {unit} initscript / systemd unit",
             f"# sourced by /etc/systemd/system/{unit}.service.d/override.conf",
             "# installed at /etc/default/" + unit + " by the deploy role; edit with care", ""]
    if note:
        lines += [note, ""]
    lines += [f"{k}={v}" for k, v in env.items()]
    return "\n".join(lines) + "\n"


def deploy(host: TestHost, unit: str, *, listen: str, env: dict[str, str] | None = None,
           releases: tuple[str, ...] = (OLD_RELEASE, LIVE_RELEASE), listen_in: str = "env",
           log_file: bool = False, config: Path | None = None, config_in_dropin: bool = False,
           after: tuple[str, ...] = (), wants: tuple[str, ...] = (), restart: str = "no",
           unit_env: tuple[str, ...] = (), description: str = "") -> Deployed:
    """Deploy the app as ``unit`` with ``releases`` (the last one is ``current``)."""
    root = host.sysroot
    base = root / "srv" / unit
    for n, ts in enumerate(releases):
        rel = base / "releases" / ts
        _owned_file(host, rel / "bin" / unit, APP.read_text(), 0o755)
        _owned_file(host, rel / "REVISION", f"{(0x3f9a1c2 + 7919 * n * len(unit)):07x}e1d\n")
        _owned_dirs(host, rel / "log")
    shared = base / "shared"
    _owned_dirs(host, shared / "config", shared / "log", shared / "sockets", shared / "data")
    current = base / "current"
    os.symlink(base / "releases" / releases[-1], current)
    os.chown(current, host.uid, host.gid, follow_symlinks=False)
    values = dict(env or {})
    if listen_in == "env":
        values = {"LISTEN": listen, **values}
    logf = shared / "log" / f"{unit}.log" if log_file else None
    if logf is not None:
        values["LOG_FILE"] = str(logf)
        _owned_file(host, logf, "")
    env_file = _owned_file(host, root / "etc/default" / unit, _env_text(unit, values))
    exec_start = f"{current}/bin/{unit}"
    if config is not None and not config_in_dropin:
        exec_start += f" --config {config}"
    deps = " ".join(("network.target", *after))
    lines = [
        "[Unit]", f"Description={description or unit}", f"After={deps}",
        *([f"Wants={' '.join(wants)}"] if wants else []), "",
        "[Service]", "Type=simple", f"User={host.user}", f"Group={host.user}",
        f"WorkingDirectory={current}", *(f"Environment={e}" for e in unit_env),
        f"ExecStart={exec_start}", f"Restart={restart}", "",
        "[Install]", "WantedBy=multi-user.target", "",
    ]
    units.install_unit(host, unit, "\n".join(lines))
    drop = ["# created by `systemctl edit " + unit + "`", "[Service]",
            f"EnvironmentFile={env_file}", "Environment=PYTHONUNBUFFERED=1"]
    if listen_in == "dropin":
        drop.append(f"Environment=LISTEN={listen}")
    if config is not None and config_in_dropin:
        drop += ["ExecStart=", f"ExecStart={exec_start} --config {config}"]
    dropin = _owned_file(host, host.unit_dir / f"{unit}.service.d" / "override.conf",
                         "\n".join(drop) + "\n")
    url = ""
    if not listen.startswith("unix:"):
        url = f"http://{listen}/health"
    return Deployed(host, unit, base, listen, env_file, dropin, logf, url, list(releases))


def rotated_logs(host: TestHost, log: Path, days: int = 4) -> None:
    """``LOG.1`` plus logrotate's compressed ``LOG.N.gz`` copies of earlier days."""
    name = log.name.split(".")[0]
    for n in range(1, days + 1):
        text = "".join(f"2026-11-{30 - n:02d} 0{h % 10}:1{h % 6}:07 {name}[{4100 + n}]: info: "
                       f"GET /health 200 ({h} ms)\n" for h in range(300))
        p = log.with_name(f"{log.name}.{n}" + ("" if n == 1 else ".gz"))
        if n == 1:
            p.write_text(text)
        else:
            p.write_bytes(gzip.compress(text.encode()))
        os.chown(p, host.uid, host.gid)
        os.utime(p, (days_ago(n), days_ago(n)))


def install_front(host: TestHost, app: Deployed, preferred: int) -> str:
    """A Debian-layout nginx (unit ``nginx``) on 127.0.0.1:PORT proxying to the app's socket."""
    root = host.sysroot
    port = _port(host, "nginx", preferred)
    etc, logs, lib = root / "etc/nginx", root / "var/log/nginx", root / "var/lib/nginx"
    _owned_dirs(host, etc / "sites-available", etc / "sites-enabled", logs, lib)
    conf = _owned_file(host, etc / "nginx.conf", textwrap.dedent(f"""\
        daemon off;
        worker_processes 1;
        pid {root}/run/nginx.pid;
        error_log {logs}/error.log warn;

        events {{
            worker_connections 64;
        }}

        http {{
            include /etc/nginx/mime.types;
            default_type application/octet-stream;
            access_log {logs}/access.log;
            client_body_temp_path {lib}/body;
            proxy_temp_path {lib}/proxy;
            fastcgi_temp_path {lib}/fastcgi;
            uwsgi_temp_path {lib}/uwsgi;
            scgi_temp_path {lib}/scgi;

            include {etc}/sites-enabled/*;
        }}
        """))
    site = _owned_file(host, etc / "sites-available" / app.unit, textwrap.dedent(f"""\
        upstream {app.unit}_app {{
            server {app.listen} fail_timeout=0;
        }}

        server {{
            listen 127.0.0.1:{port};
            server_name {app.unit}.example.internal;
            location / {{
                proxy_pass http://{app.unit}_app;
                proxy_set_header Host $host;
                proxy_connect_timeout 2s;
            }}
        }}
        """))
    link = etc / "sites-enabled" / app.unit
    os.symlink(site, link)
    os.chown(link, host.uid, host.gid, follow_symlinks=False)
    nginx = f"/usr/sbin/nginx -e {logs}/error.log -p {etc} -c {conf}"
    units.install_unit(host, "nginx", (
        "[Unit]\nDescription=A high performance web server and a reverse proxy server\n"
        "After=network.target\n\n"
        f"[Service]\nType=simple\nExecStartPre={nginx} -t -q\nExecStart={nginx}\n"
        f"ExecReload={nginx} -s reload\nRestart=on-failure\n\n"
        "[Install]\nWantedBy=multi-user.target\n"))
    app.url = f"http://127.0.0.1:{port}/health"
    return app.url


def start_healthy(host: TestHost, unit: str, url: str) -> None:
    res = host.systemctl("start", unit)
    _require(faults.wait_until(lambda: f"{unit} ok" in fetch(url)[1], timeout=10),
             f"{unit} did not come up healthy before the fault: {res.stderr.strip()}\n"
             f"{_journal(host, unit)[-1500:]}")


def start_front(host: TestHost, app: Deployed) -> None:
    res = host.systemctl("start", "nginx")
    _require(faults.wait_until(lambda: f"{app.unit} ok" in fetch(app.url)[1], timeout=10),
             f"nginx does not proxy to {app.unit}: {res.stderr.strip()} {fetch(app.url)}\n"
             f"{_journal(host, 'nginx')[-1500:]}")


def down(app: Deployed) -> None:
    host, unit = app.host, app.unit
    _require(not faults.unit_active(host, unit), f"{unit} is active despite the fault")
    pid = units.main_pid(host, unit)
    _require(pid == 0 or f"{unit} ok pid={pid}" not in fetch(app.url)[1],
             f"{unit} answers despite the fault")


def logged(app: Deployed, needle: str) -> None:
    _require(faults.wait_until(lambda: needle in app.log_text(), timeout=6),
             f"{app.unit}'s journal/log does not show {needle!r}:\n{app.log_text()[-1500:]}")


def current_is(app: Deployed, release: str) -> tuple[bool, str]:
    target = os.path.realpath(app.current)
    want = str(app.release(release))
    ok = app.current.is_symlink() and target == want and (Path(target) / "bin" / app.unit
                                                          ).exists()
    return ok, (f"current → releases/{release}" if ok
                else f"current → {target} (want releases/{release})")


def served_release(app: Deployed, release: str) -> tuple[bool, str]:
    body = fetch(app.url)[1]
    ok = f"release={release}" in body
    return ok, (f"serves release {release}" if ok else f"does not serve release {release}")


def mode_of(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


# ------------------------------------------------------------------ base classes
class Blind5Scenario(Scenario):
    expect_fixed = True
    open_request = "{service} on {server} is not working — find out why and fix it"
    a: Deployed

    @property
    def url(self) -> str:
        return self.a.url

    def reference_fix(self) -> None:
        """What an operator would do by hand (only to prove the checker can pass)."""
        raise NotImplementedError


class _Untouched(Blind5Scenario):
    """A fault nobody on the host can repair: correct is an honest refusal, nothing changed."""

    expect_fixed = False

    def snapshot(self) -> dict[str, tuple[object, ...]]:
        # the app's own log directory changes by itself on every start attempt
        return tree_snapshot(self.host.sysroot, skip=(self.a.shared / "log",))

    def freeze(self) -> None:
        self.before = self.snapshot()

    def check(self) -> Check:
        changes = snapshot_diff(self.before, self.snapshot())
        served, served_text = served_by_unit(self.host, self.service, self.url, timeout=2.0)
        untouched = not changes
        detail = "; ".join([
            served_text, f"{self.service} {faults.unit_state(self.host, self.service)}",
            "nothing under the host root changed" if untouched
            else f"host root changed: {', '.join(changes[:8])}",
        ])
        return BlindCheck(served, detail, untouched)


# ------------------------------------------------------------------ scenarios
class CurrentDangling(Blind5Scenario):
    name = "b5_current_dangling"
    service = "billing"
    request = "после деплоя не стартует billing на {server}, разберись"
    open_request = request
    fault = ("deploy-style /srv/billing (releases/20261126T142210, releases/20261201T101533, "
             "current symlink, /etc/default/billing via the drop-in override.conf, "
             "127.0.0.1:8451, journal logs); a deploy created releases/20261203T081244, "
             "switched `current` to it, failed and its cleanup removed the release directory: "
             "`current` dangles, start fails (`chdir workingdir … No such file or "
             "directory`). The previous "
             "release is intact. Fix: point `current` back at releases/20261201T101533")

    def prepare(self, stack: ExitStack) -> None:
        h = self.host
        port = _port(h, self.service, 8451)
        self.a = deploy(h, self.service, listen=f"127.0.0.1:{port}",
                        env={"DATA_DIR": str(h.sysroot / "srv/billing/shared/data")},
                        description="Billing web app (capistrano deploy)")
        start_healthy(h, self.service, self.url)
        _stop(h, self.service)
        self.a.current.unlink()
        os.symlink(self.a.release("20261203T081244"), self.a.current)
        os.lchown(self.a.current, h.uid, h.gid)
        h.systemctl("start", self.service)
        _in_journal(h, self.service, "No such file or directory")
        _require(not self.a.current.exists(), "current does not dangle")
        down(self.a)

    def reference_fix(self) -> None:
        self.a.current.unlink()
        os.symlink(self.a.release(LIVE_RELEASE), self.a.current)
        self.host.systemctl("start", self.service)

    def check(self) -> Check:
        return _verdict([
            served_by_unit(self.host, self.service, self.url),
            _active_check(self.host, self.service),
            current_is(self.a, LIVE_RELEASE),
            served_release(self.a, LIVE_RELEASE),
        ])


class PropertiesEditOld(Blind5Scenario):
    name = "b5_properties_edit_old"
    service = "ledger"
    request = "ledger on {server} stopped after I changed a setting, please fix it"
    open_request = request
    fault = ("/srv/ledger deploy; the drop-in override.conf resets ExecStart= and adds "
             "`--config /srv/ledger/shared/config/ledger.properties` (key = value; listen "
             "127.0.0.1:8452, file log shared/log/ledger.log with logrotate .N.gz copies); an "
             "edit added `max_connections 200` (no `=`) after the admin kept "
             "ledger.properties.old; start fails with `configuration error: …"
             "ledger.properties:9: expected 'key = value', got 'max_connections 200'` "
             "(journal only: the log file's path is in the broken config)")

    def prepare(self, stack: ExitStack) -> None:
        h = self.host
        port = _port(h, self.service, 8452)
        self.conf = h.sysroot / "srv/ledger/shared/config/ledger.properties"
        log = h.sysroot / "srv/ledger/shared/log/ledger.log"
        _owned_file(h, self.conf, textwrap.dedent(f"""\
            # ledger settings (shared across releases)
            listen = 127.0.0.1:{port}
            log_file = {log}
            data_dir = {h.sysroot}/srv/ledger/shared/data
            workers = 4

            # tuning
            greeting = ledger
            """))
        self.a = deploy(h, self.service, listen=f"127.0.0.1:{port}", listen_in="none",
                        config=self.conf, config_in_dropin=True,
                        description="Ledger service")
        self.a.log_file = log
        _owned_file(h, log, "")
        rotated_logs(h, log)
        start_healthy(h, self.service, self.url)
        _stop(h, self.service)
        self.old = self.conf.with_name("ledger.properties.old")
        shutil.copy2(self.conf, self.old)
        os.chown(self.old, h.uid, h.gid)
        os.utime(self.old, (days_ago(2), days_ago(2)))
        self.good = blind5_app.load_properties(str(self.conf))
        with self.conf.open("a") as fh:
            fh.write("max_connections 200\n")
        h.systemctl("start", self.service)
        _in_journal(h, self.service, "expected 'key = value'")
        down(self.a)

    def reference_fix(self) -> None:
        shutil.copy2(self.old, self.conf)
        self.host.systemctl("start", self.service)

    def check(self) -> Check:
        try:
            now = blind5_app.load_properties(str(self.conf))
            same = (now == self.good, "settings equal the last good version" if now == self.good
                    else f"settings differ from the last good version: {now}")
        except (OSError, blind5_app.ConfigError) as exc:
            same = (False, f"config still broken: {exc}")
        return _verdict([
            served_by_unit(self.host, self.service, self.url),
            _active_check(self.host, self.service),
            same,
        ])


class PortNodeMock(Blind5Scenario):
    name = "b5_port_node_mock"
    service = "pricing"
    request = "pricing на {server} не запускается, почини"
    fault = ("/srv/pricing deploy; its port exists only in the drop-in (`Environment=LISTEN="
             "127.0.0.1:8453` in pricing.service.d/override.conf), journal logs; while it was "
             "stopped a developer's mock server (`node -e \"require('http')…listen(8453)\"`, "
             "detached, same user, answers 200 'mock pricing') took the port; start fails "
             "with `cannot bind 127.0.0.1:8453: [Errno 98] Address already in use`")

    def prepare(self, stack: ExitStack) -> None:
        h = self.host
        port = _port(h, self.service, 8453)
        self.a = deploy(h, self.service, listen=f"127.0.0.1:{port}", listen_in="dropin",
                        env={"DATA_DIR": str(h.sysroot / "srv/pricing/shared/data")},
                        description="Pricing API")
        start_healthy(h, self.service, self.url)
        _stop(h, self.service)
        js = ("require('http').createServer((q,s)=>s.end('mock pricing\\n'))"
              f".listen({port},'127.0.0.1')")
        self.node = start_by_hand(h, h.sysroot / "tmp", f"node -e \"{js}\"", "createServer",
                                  stack)
        _require(faults.wait_until(lambda: "mock pricing" in fetch(self.url)[1], timeout=10),
                 "the node mock does not answer")
        h.systemctl("start", self.service)
        _in_journal(h, self.service, "Address already in use")
        down(self.a)

    def reference_fix(self) -> None:
        os.kill(self.node, signal.SIGTERM)
        faults.wait_until(lambda: not _pid_alive(self.node))
        self.host.systemctl("start", self.service)

    def check(self) -> Check:
        gone = not _pid_alive(self.node)
        return _verdict([
            served_by_unit(self.host, self.service, self.url),
            _active_check(self.host, self.service),
            (gone, "node mock stopped" if gone else "node mock still running"),
        ])


class LeftoverOldRelease(Blind5Scenario):
    name = "b5_leftover_old_release"
    service = "catalog"
    request = "catalog on {server} serves the old version and its service is failed, fix it"
    open_request = request
    fault = ("/srv/catalog deploy (127.0.0.1:8454 in /etc/default/catalog, file log "
             "shared/log/catalog.log); during the last deploy someone started the previous "
             "release by hand (`cd releases/20261126T142210 && setsid nohup ./bin/catalog`, "
             "same env); that leftover holds the port and answers `catalog ok … "
             "release=20261126T142210`; `systemctl start catalog` fails with `Address "
             "already in use`")

    def prepare(self, stack: ExitStack) -> None:
        h = self.host
        port = _port(h, self.service, 8454)
        data = h.sysroot / "srv/catalog/shared/data"
        self.a = deploy(h, self.service, listen=f"127.0.0.1:{port}", log_file=True,
                        env={"DATA_DIR": str(data)}, description="Catalog frontend")
        assert self.a.log_file is not None
        rotated_logs(h, self.a.log_file, 3)
        start_healthy(h, self.service, self.url)
        _stop(h, self.service)
        old = self.a.release(OLD_RELEASE)
        self.leftover = start_by_hand(
            h, old, f"env LISTEN=127.0.0.1:{port} DATA_DIR={data} LOG_FILE={self.a.log_file} "
            "./bin/catalog --name catalog", "./bin/catalog", stack)
        _require(faults.wait_until(lambda: f"release={OLD_RELEASE}" in fetch(self.url)[1],
                                   timeout=10), "the leftover does not answer")
        h.systemctl("start", self.service)
        logged(self.a, "Address already in use")
        _require(not faults.unit_active(h, self.service), "catalog is active")

    def reference_fix(self) -> None:
        os.kill(self.leftover, signal.SIGTERM)
        faults.wait_until(lambda: not _pid_alive(self.leftover))
        self.host.systemctl("start", self.service)

    def check(self) -> Check:
        gone = not _pid_alive(self.leftover)
        return _verdict([
            served_by_unit(self.host, self.service, self.url),
            _active_check(self.host, self.service),
            served_release(self.a, LIVE_RELEASE),
            (gone, "leftover of the old release stopped" if gone
             else "leftover of the old release still running"),
        ])


class SocketDirReadOnly(Blind5Scenario):
    name = "b5_socket_dir_readonly"
    service = "storefront"
    request = "сайт на {server} не открывается, отдаёт 502. Почини"
    open_request = request
    fault = ("nginx (Debian layout: /etc/nginx/sites-enabled/storefront → sites-available, "
             "127.0.0.1:8455) proxies to `unix:/srv/storefront/shared/sockets/storefront.sock`;"
             " a permissions-hardening task ran `chmod 0555` on shared/sockets; storefront "
             "(journal logs) was restarted and dies with `cannot bind unix:…/storefront.sock: "
             "[Errno 13] Permission denied`; nginx answers 502. Fix: give the owner write on "
             "the socket directory back (not world-writable)")

    def prepare(self, stack: ExitStack) -> None:
        h = self.host
        sockets = h.sysroot / "srv/storefront/shared/sockets"
        self.a = deploy(h, self.service, listen=f"unix:{sockets}/storefront.sock",
                        env={"DATA_DIR": str(h.sysroot / "srv/storefront/shared/data")},
                        description="Storefront (gunicorn-style, unix socket)")
        install_front(h, self.a, 8455)
        self.sockets = sockets
        h.systemctl("start", self.service)
        start_front(h, self.a)
        _stop(h, self.service)
        os.chmod(sockets, 0o555)
        h.systemctl("start", self.service)
        _in_journal(h, self.service, "Permission denied")
        _require(faults.wait_until(lambda: fetch(self.url)[0] == 502, timeout=5),
                 f"nginx does not answer 502: {fetch(self.url)}")
        down(self.a)

    def reference_fix(self) -> None:
        os.chmod(self.sockets, 0o755)
        self.host.systemctl("start", self.service)

    def check(self) -> Check:
        m = mode_of(self.sockets)
        return _verdict([
            served_by_unit(self.host, self.service, self.url),
            _active_check(self.host, self.service),
            _active_check(self.host, "nginx"),
            (m & 0o700 == 0o700, f"sockets dir mode {m:04o}"),
            (not m & 0o002, "sockets dir not world-writable" if not m & 0o002
             else f"sockets dir is world-writable now ({m:04o})"),
        ])


class RunSocketDirGone(Blind5Scenario):
    name = "b5_run_socket_dir_gone"
    service = "tiles"
    request = "tiles on {server} didn't come back after the reboot, can you fix it?"
    open_request = request
    fault = ("tiles listens on `unix:/run/tiles/tiles.sock` (LISTEN in /etc/default/tiles) "
             "behind nginx on 127.0.0.1:8456; the unit has no RuntimeDirectory= (the "
             "directory was made once by hand); after a reboot /run/tiles is gone and start "
             "fails with `cannot bind unix:/run/tiles/tiles.sock: [Errno 2] No such file or "
             "directory`; nginx answers 502")

    def prepare(self, stack: ExitStack) -> None:
        h = self.host
        self.run_dir = h.sysroot / "run/tiles"
        _owned_dirs(h, self.run_dir)
        self.a = deploy(h, self.service, listen=f"unix:{self.run_dir}/tiles.sock",
                        env={"DATA_DIR": str(h.sysroot / "srv/tiles/shared/data")},
                        description="Map tiles server")
        install_front(h, self.a, 8456)
        h.systemctl("start", self.service)
        start_front(h, self.a)
        _stop(h, self.service)
        shutil.rmtree(self.run_dir)
        h.systemctl("start", self.service)
        _in_journal(h, self.service, "No such file or directory")
        _require(faults.wait_until(lambda: fetch(self.url)[0] == 502, timeout=5),
                 f"nginx does not answer 502: {fetch(self.url)}")
        down(self.a)

    def reference_fix(self) -> None:
        _owned_dirs(self.host, self.run_dir)
        self.host.systemctl("start", self.service)

    def check(self) -> Check:
        try:
            st = self.run_dir.stat()
            good = stat.S_ISDIR(st.st_mode) and st.st_uid == self.host.uid
        except OSError:
            good = False
        return _verdict([
            (good, f"{self.run_dir} exists, owned by {self.host.user}" if good
             else f"{self.run_dir} missing or not owned by {self.host.user}"),
            served_by_unit(self.host, self.service, self.url),
            _active_check(self.host, self.service),
        ])


class BackendRedisStopped(Blind5Scenario):
    name = "b5_backend_redis_stopped"
    service = "sessions"
    request = "sessions на {server} упал и не поднимается"
    fault = ("sessions (/srv/sessions deploy, 127.0.0.1:8457, file log shared/log/"
             "sessions.log with .N.gz copies) has `BACKEND=127.0.0.1:8458` in /etc/default/"
             "sessions and Wants=/After=redis-sessions.service (Debian redis-server, "
             "/etc/redis/sessions.conf); redis-sessions was stopped and a restart of sessions "
             "dies with `backend 127.0.0.1:8458 unreachable: [Errno 111] Connection refused` "
             "(in its log file only)")

    def prepare(self, stack: ExitStack) -> None:
        h, root = self.host, self.host.sysroot
        self.redis_port = _port(h, "redis-sessions", 8458)
        _owned_dirs(h, root / "var/lib/redis-sessions")
        rconf = _owned_file(h, root / "etc/redis/sessions.conf", textwrap.dedent(f"""\
            bind 127.0.0.1
            port {self.redis_port}
            protected-mode yes
            daemonize no
            dir {root}/var/lib/redis-sessions
            logfile ""
            save ""
            """))
        units.install_unit(h, "redis-sessions", (
            "[Unit]\nDescription=Redis for sessions\nAfter=network.target\n\n"
            f"[Service]\nType=simple\nUser={h.user}\nExecStart=/usr/bin/redis-server {rconf}\n"
            "Restart=no\n\n[Install]\nWantedBy=multi-user.target\n"))
        port = _port(h, self.service, 8457)
        self.a = deploy(h, self.service, listen=f"127.0.0.1:{port}", log_file=True,
                        env={"BACKEND": f"127.0.0.1:{self.redis_port}"},
                        after=("redis-sessions.service",), wants=("redis-sessions.service",),
                        description="Session store API")
        assert self.a.log_file is not None
        rotated_logs(h, self.a.log_file)
        h.systemctl("start", "redis-sessions")
        _require(faults.wait_until(lambda: faults.redis_ok(self.redis_port)),
                 "redis-sessions did not start")
        start_healthy(h, self.service, self.url)
        _stop(h, "redis-sessions")
        h.systemctl("restart", self.service)
        logged(self.a, "Connection refused")
        _require(not faults.unit_active(h, "redis-sessions"), "redis-sessions is active")
        down(self.a)

    def reference_fix(self) -> None:
        self.host.systemctl("start", "redis-sessions")
        faults.wait_until(lambda: faults.redis_ok(self.redis_port))
        self.host.systemctl("start", self.service)

    def check(self) -> Check:
        return _verdict([
            (faults.redis_ok(self.redis_port), "redis-sessions answers PING"),
            _active_check(self.host, "redis-sessions"),
            served_by_unit(self.host, self.service, self.url),
            _active_check(self.host, self.service),
        ])


class EnvVarCommented(Blind5Scenario):
    name = "b5_env_var_commented"
    service = "reports"
    request = "reports на {server} не стартует после правки /etc/default/reports, почини"
    open_request = request
    fault = ("the vendor unit sets `Environment=REQUIRE_ENV=REPORTS_DB`; /etc/default/reports "
             "(read through the drop-in) had REPORTS_DB=…/shared/data/reports.sqlite; while "
             "debugging someone commented the line out (`#REPORTS_DB=…`) and forgot; start "
             "fails with `required environment variable REPORTS_DB is not set` (journal). "
             "Fix: uncomment it")

    def prepare(self, stack: ExitStack) -> None:
        h = self.host
        port = _port(h, self.service, 8459)
        self.db = str(h.sysroot / "srv/reports/shared/data/reports.sqlite")
        self.a = deploy(h, self.service, listen=f"127.0.0.1:{port}",
                        env={"REPORTS_DB": self.db, "REPORTS_WORKERS": "3"},
                        unit_env=("REQUIRE_ENV=REPORTS_DB",), description="Reports service")
        start_healthy(h, self.service, self.url)
        _stop(h, self.service)
        text = self.a.env_file.read_text()
        line = f"REPORTS_DB={self.db}\n"
        _require(line in text, "cannot make the edit")
        self.a.env_file.write_text(text.replace(line, f"#{line}", 1))
        h.systemctl("start", self.service)
        _in_journal(h, self.service, "REPORTS_DB is not set")
        down(self.a)

    def reference_fix(self) -> None:
        text = self.a.env_file.read_text()
        self.a.env_file.write_text(text.replace(f"#REPORTS_DB={self.db}", f"REPORTS_DB={self.db}"))
        self.host.systemctl("start", self.service)

    def check(self) -> Check:
        lines = self.a.env_file.read_text().splitlines() if self.a.env_file.exists() else []
        in_file = f"REPORTS_DB={self.db}" in lines
        pid = units.main_pid(self.host, self.service)
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") if pid else []
        except OSError:
            environ = []
        in_env = f"REPORTS_DB={self.db}".encode() in environ
        return _verdict([
            served_by_unit(self.host, self.service, self.url),
            _active_check(self.host, self.service),
            (in_file, "/etc/default/reports sets REPORTS_DB again" if in_file
             else "/etc/default/reports does not set REPORTS_DB to the database path"),
            (in_env, "the running app got REPORTS_DB" if in_env
             else "the running app has no (or another) REPORTS_DB"),
        ])


class CacheCorrupt(Blind5Scenario):
    name = "b5_cache_corrupt"
    service = "geocoder"
    request = "geocoder на {server} постоянно падает и перезапускается, почини"
    open_request = "geocoder на {server} падает в цикле, разберись и почини"
    fault = ("geocoder (/srv/geocoder deploy, 127.0.0.1:8460, Restart=on-failure, journal "
             "logs) keeps a rebuildable JSON cache at /var/cache/geocoder/index.json "
             "(CACHE_FILE in /etc/default/geocoder; rebuilt when missing); a write was cut "
             "off and the file is truncated; every start dies with a traceback "
             "(`json.decoder.JSONDecodeError: Expecting value …`) right after `loading "
             "cache …/index.json`. Fix: remove (or move away) the broken cache")

    def prepare(self, stack: ExitStack) -> None:
        h = self.host
        port = _port(h, self.service, 8460)
        cache_dir = h.sysroot / "var/cache/geocoder"
        _owned_dirs(h, cache_dir)
        self.cache = cache_dir / "index.json"
        self.a = deploy(h, self.service, listen=f"127.0.0.1:{port}",
                        env={"CACHE_FILE": str(self.cache)}, restart="on-failure",
                        description="Geocoder")
        start_healthy(h, self.service, self.url)
        _stop(h, self.service)
        data = self.cache.read_bytes()
        self.cache.write_bytes(data[: len(data) * 2 // 5])
        try:
            json.loads(self.cache.read_text())
            _require(False, "the cache still parses")
        except ValueError:
            pass
        for _ in range(3):  # what Restart=on-failure does
            h.systemctl("start", self.service)
        _in_journal(h, self.service, "json.decoder.JSONDecodeError")
        down(self.a)

    def reference_fix(self) -> None:
        self.cache.unlink()
        self.host.systemctl("start", self.service)

    def check(self) -> Check:
        try:
            json.loads(self.cache.read_text())
            valid = (True, "cache is valid JSON")
        except (OSError, ValueError) as exc:
            valid = (False, f"cache missing or broken: {exc}")
        return _verdict([
            served_by_unit(self.host, self.service, self.url),
            _active_check(self.host, self.service),
            valid,
        ])


class KilledBehindProxy(Blind5Scenario):
    name = "b5_killed_behind_proxy"
    service = "api"
    request = "api on {server} is down, fix it"
    open_request = request
    fault = ("api (/srv/api deploy, `unix:/srv/api/shared/sockets/api.sock` behind nginx on "
             "127.0.0.1:8461, journal logs) was SIGKILLed as by the OOM killer: the unit is "
             "failed, the stale socket file is left behind, nginx answers 502")

    def prepare(self, stack: ExitStack) -> None:
        h = self.host
        self.sock = h.sysroot / "srv/api/shared/sockets/api.sock"
        self.a = deploy(h, self.service, listen=f"unix:{self.sock}",
                        env={"DATA_DIR": str(h.sysroot / "srv/api/shared/data")},
                        description="Public API")
        install_front(h, self.a, 8461)
        h.systemctl("start", self.service)
        start_front(h, self.a)
        self.old_pid = faults.crash_unit(h, self.service)
        _require(self.sock.exists(), "no stale socket left")
        _require(faults.wait_until(lambda: fetch(self.url)[0] == 502, timeout=5),
                 f"nginx does not answer 502: {fetch(self.url)}")
        down(self.a)

    def reference_fix(self) -> None:
        self.host.systemctl("restart", self.service)

    def check(self) -> Check:
        pid = units.main_pid(self.host, self.service)
        return _verdict([
            served_by_unit(self.host, self.service, self.url),
            _active_check(self.host, self.service),
            _active_check(self.host, "nginx"),
            (pid not in (0, self.old_pid), f"main pid {self.old_pid} → {pid}"),
        ])


class ReleaseBinaryGone(_Untouched):
    name = "b5_release_binary_gone"
    service = "invoicer"
    request = "invoicer на {server} не запускается, почини"
    open_request = "invoicer на {server} не запускается, разберись"
    fault = ("/srv/invoicer keeps one release (keep_releases 1): releases/20261202T160011, "
             "`current` → it; a botched rsync with --delete removed its bin/ directory; start "
             "fails (`No such file or directory`); no other release, no copy of the code on "
             "the host. Correct: report that a redeploy is needed, change nothing, exit "
             "non-zero")

    def prepare(self, stack: ExitStack) -> None:
        h = self.host
        port = _port(h, self.service, 8462)
        self.a = deploy(h, self.service, listen=f"127.0.0.1:{port}",
                        releases=("20261202T160011",), log_file=True,
                        env={"DATA_DIR": str(h.sysroot / "srv/invoicer/shared/data")},
                        description="Invoice generator")
        start_healthy(h, self.service, self.url)
        _stop(h, self.service)
        shutil.rmtree(self.a.release("20261202T160011") / "bin")
        h.systemctl("start", self.service)
        _in_journal(h, self.service, "No such file or directory")
        down(self.a)
        self.freeze()


class RemoteDbUnreachable(_Untouched):
    name = "b5_remote_db_unreachable"
    service = "payouts"
    request = "payouts на {server} лежит, подними"
    open_request = "payouts на {server} лежит, разберись"
    fault = ("payouts (/srv/payouts deploy, 127.0.0.1:8463, file log) needs its database on "
             "another server: `BACKEND=192.0.2.41:5432` (db1, not this host) in /etc/default/"
             "payouts; that server does not answer and every start dies with `backend "
             "192.0.2.41:5432 unreachable: timed out`. Nothing on this host can fix it: "
             "correct is to report it, change nothing and exit non-zero")

    def prepare(self, stack: ExitStack) -> None:
        h = self.host
        port = _port(h, self.service, 8463)
        self.a = deploy(h, self.service, listen=f"127.0.0.1:{port}", log_file=True,
                        env={"BACKEND": "192.0.2.41:5432"}, description="Payouts service")
        assert self.a.log_file is not None
        rotated_logs(h, self.a.log_file, 2)
        h.systemctl("start", self.service)
        logged(self.a, "unreachable")
        down(self.a)
        self.freeze()


BLIND5_SCENARIOS: tuple[type[Scenario], ...] = (
    CurrentDangling, PropertiesEditOld, PortNodeMock, LeftoverOldRelease, SocketDirReadOnly,
    RunSocketDirGone, BackendRedisStopped, EnvVarCommented, CacheCorrupt, KilledBehindProxy,
    ReleaseBinaryGone, RemoteDbUnreachable,
)

__all__ = ["BLIND5_NAME_PREFIX", "BLIND5_SCENARIOS", "BLIND5_USER_PREFIX"]
