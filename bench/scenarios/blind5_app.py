#!/usr/bin/python3
"""A small deployed web app for the ``blind5`` fault scenarios (stdlib only).

Installed into each release of a deploy-style tree as ``/srv/<app>/releases/<ts>/bin/<app>``
and started through the ``/srv/<app>/current`` symlink:

    APP [--name NAME] [--config FILE.properties]

Settings come from the environment (a Debian ``/etc/default/<app>`` file and the unit's
drop-in ``override.conf``); a ``--config`` properties file (``key = value`` lines, ``#``
comments) may set the same keys in lower case; the environment wins.

    LISTEN          HOST:PORT or unix:/path/to.sock (required). A stale socket file (nothing
                    accepts on it) is removed; a live one is "Address already in use".
    LOG_FILE        log there (append) instead of stderr once it is open
    DATA_DIR        must exist and be writable: a ``heartbeat`` file is written at start-up
    CACHE_FILE      a JSON cache: loaded at start-up (a broken one is a traceback), rebuilt
                    when missing
    BACKEND         HOST:PORT that must accept TCP at start-up (2 s timeout)
    PID_FILE        written at start-up
    REQUIRE_ENV     comma-separated variable names that must be set and non-empty

GET / and /health answer ``NAME ok pid=PID release=RELEASE`` (RELEASE: the name of the
release directory the running code lives in).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import socketserver
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EX_CONFIG = 78
KEYS = ("listen", "log_file", "data_dir", "cache_file", "backend", "pid_file", "require_env",
        "workers", "greeting", "max_connections")


class ConfigError(Exception):
    pass


def load_properties(path: str) -> dict[str, str]:
    """``key = value`` lines; anything else is an error naming the file and line."""
    out: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for n, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            m = re.fullmatch(r"([a-z_][a-z0-9_.]*)\s*=\s*(.*)", line)
            if not m:
                raise ConfigError(f"{path}:{n}: expected 'key = value', got {line!r}")
            key = m.group(1)
            if key not in KEYS:
                raise ConfigError(f"{path}:{n}: unknown setting {key!r}")
            out[key] = m.group(2).strip()
    return out


def release_name() -> str:
    real = os.path.realpath(sys.argv[0])
    return os.path.basename(os.path.dirname(os.path.dirname(real)))


class Log:
    def __init__(self, name: str) -> None:
        self.name = name
        self.fh = sys.stderr

    def open(self, path: str) -> None:
        self.fh = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115

    def __call__(self, level: str, msg: str) -> None:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        self.fh.write(f"{stamp} {self.name}[{os.getpid()}]: {level}: {msg}\n")
        self.fh.flush()


def fail(log: Log, msg: str, code: int = 1) -> None:
    log("error", msg)
    if log.fh is not sys.stderr:
        sys.stderr.write(f"{log.name}: {msg}\n")
    sys.exit(code)


def make_handler(body: bytes) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] not in ("/", "/health"):
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def address_string(self) -> str:
            return "unix" if not self.client_address else str(self.client_address[0])

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True

    def get_request(self):  # type: ignore[no-untyped-def]
        conn, _ = self.socket.accept()
        return conn, ("unix", 0)


def unix_server(path: str, handler: type[BaseHTTPRequestHandler], log: Log) -> UnixHTTPServer:
    if os.path.exists(path):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except OSError:
            log("warning", f"removing stale socket {path}")
            try:
                os.unlink(path)
            except OSError as exc:
                fail(log, f"cannot remove stale socket {path}: {exc}")
        else:
            probe.close()
            fail(log, f"cannot bind unix:{path}: [Errno 98] Address already in use")
        finally:
            probe.close()
    try:
        server = UnixHTTPServer(path, handler)
    except OSError as exc:
        fail(log, f"cannot bind unix:{path}: {exc}")
    os.chmod(path, 0o660)
    return server


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", default=os.path.basename(sys.argv[0]))
    parser.add_argument("--config")
    args = parser.parse_args()
    log = Log(args.name)
    conf: dict[str, str] = {}
    if args.config:
        try:
            conf = load_properties(args.config)
        except ConfigError as exc:
            fail(log, f"configuration error: {exc}", EX_CONFIG)
        except OSError as exc:
            fail(log, f"cannot read configuration: {exc}", EX_CONFIG)

    def setting(key: str) -> str:
        return os.environ.get(key.upper(), "") or conf.get(key, "")

    if setting("log_file"):
        try:
            log.open(setting("log_file"))
        except OSError as exc:
            fail(log, f"cannot open log file {setting('log_file')}: {exc}")
    release = release_name()
    log("info", f"starting {args.name}, release {release}")
    for var in [v.strip() for v in setting("require_env").split(",") if v.strip()]:
        if not os.environ.get(var):
            fail(log, f"required environment variable {var} is not set", EX_CONFIG)
    listen = setting("listen")
    if not listen:
        fail(log, "LISTEN is not set (HOST:PORT or unix:/path)", EX_CONFIG)
    data_dir = setting("data_dir")
    if data_dir:
        try:
            with open(os.path.join(data_dir, "heartbeat"), "w") as fh:
                fh.write(f"{os.getpid()} {time.time():.0f}\n")
        except OSError as exc:
            fail(log, f"data directory {data_dir} is not writable: {exc}")
    cache_file = setting("cache_file")
    if cache_file:
        log("info", f"loading cache {cache_file}")
        if os.path.exists(cache_file):
            with open(cache_file, encoding="utf-8") as fh:
                cache = json.load(fh)  # a broken cache is a crash, as in many real apps
            log("info", f"cache loaded: {len(cache.get('entries', []))} entries")
        else:
            log("info", "cache missing, rebuilding")
            tmp = cache_file + ".tmp"
            with open(tmp, "w", encoding="utf-8") as fh:
                json.dump({"built_by": os.getpid(), "built_at": int(time.time()),
                           "entries": [[i, f"tile-{i}"] for i in range(64)]}, fh)
            os.replace(tmp, cache_file)
    backend = setting("backend")
    if backend:
        host, _, port = backend.rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=2.0):
                pass
        except OSError as exc:
            reason = exc if str(exc) else "timed out"
            fail(log, f"backend {backend} unreachable: {reason}")
        log("info", f"backend {backend} is reachable")
    pid_file = setting("pid_file")
    if pid_file:
        try:
            with open(pid_file, "w") as fh:
                fh.write(f"{os.getpid()}\n")
        except OSError as exc:
            fail(log, f"cannot write pid file {pid_file}: {exc}")
    body = f"{args.name} ok pid={os.getpid()} release={release}\n".encode()
    handler = make_handler(body)
    server: socketserver.BaseServer
    sock_path = ""
    if listen.startswith("unix:"):
        sock_path = listen[len("unix:"):]
        server = unix_server(sock_path, handler, log)
    else:
        host, _, port = listen.rpartition(":")
        try:
            server = ThreadingHTTPServer((host or "127.0.0.1", int(port)), handler)
        except OSError as exc:
            fail(log, f"cannot bind {listen}: {exc}")
        except ValueError:
            fail(log, f"bad LISTEN value {listen!r}", EX_CONFIG)

    def stop(*_: object) -> None:
        log("info", "stopping")
        if sock_path:
            with contextlib.suppress(OSError):
                os.unlink(sock_path)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log("info", f"listening on {listen}")
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
