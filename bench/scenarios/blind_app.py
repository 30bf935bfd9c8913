#!/usr/bin/python3
"""A small in-house HTTP service for the blind fault scenarios (stdlib only).

Unlike ``app.py`` it is configured by ini files, the way many packaged services are:

    blind_app.py --name NAME (--config FILE | --config-dir DIR) [--check]

``--config-dir`` reads ``DIR/*.ini`` in name order (other files in DIR, such as editor
backups, are ignored). The format is strict: blank lines, ``#``/``;`` comments, ``[section]``
headers and ``key = value`` lines; anything else stops the program with a line naming the
file and the line number. Settings:

    [server]  bind = 127.0.0.1   port = N        (required)
    [storage] data_dir = DIR                      (required; must exist, state.json is kept in it)
    [log]     file = FILE                         (optional; INFO goes there, errors also to stderr)
    [license] file = FILE                         (optional; ``expires = YYYY-MM-DD`` in it)
    [env]     require = VAR[,VAR...]              (optional; variables that must be set)

``--check`` validates the configuration and exits 0 ("configuration OK") or 78 (EX_CONFIG).
GET / and /healthz answer ``NAME ok pid=PID``.
"""

from __future__ import annotations

import argparse
import datetime
import errno
import glob
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EX_CONFIG = 78


class ConfigError(Exception):
    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


def parse_file(path: str, into: dict[str, dict[str, tuple[str, str, int]]]) -> None:
    section = ""
    with open(path, encoding="utf-8") as fh:
        for n, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("["):
                if not line.endswith("]") or len(line) < 3:
                    raise ConfigError(path, n, f"malformed section header {line!r}")
                section = line[1:-1].strip()
                into.setdefault(section, {})
                continue
            if "=" not in line:
                raise ConfigError(path, n, f"expected 'key = value', got {line!r}")
            if not section:
                raise ConfigError(path, n, "setting outside of any [section]")
            key, value = (part.strip() for part in line.split("=", 1))
            if not key:
                raise ConfigError(path, n, f"empty key in {line!r}")
            into[section][key] = (value, path, n)


def load(args: argparse.Namespace) -> dict[str, dict[str, tuple[str, str, int]]]:
    files = [args.config] if args.config else sorted(glob.glob(os.path.join(args.config_dir,
                                                                            "*.ini")))
    if not files:
        raise ConfigError(args.config_dir or "?", 0, "no *.ini configuration files found")
    conf: dict[str, dict[str, tuple[str, str, int]]] = {}
    for path in files:
        parse_file(path, conf)
    return conf


class Settings:
    def __init__(self, conf: dict[str, dict[str, tuple[str, str, int]]], where: str) -> None:
        self.conf = conf
        self.where = where
        self.bind = self.get("server", "bind", "127.0.0.1")
        port_text = self.get("server", "port")
        _, path, line = conf["server"]["port"]
        if not port_text.isdigit():
            raise ConfigError(path, line, f"port must be an integer, got {port_text!r}")
        self.port = int(port_text)
        if not 1 <= self.port <= 65535:
            raise ConfigError(path, line, f"port {self.port} out of range (1-65535)")
        self.data_dir = self.get("storage", "data_dir")
        self.log_file = self.get("log", "file", "")
        self.license_file = self.get("license", "file", "")
        self.required_env = [v.strip() for v in self.get("env", "require", "").split(",")
                             if v.strip()]

    def get(self, section: str, key: str, default: str | None = None) -> str:
        try:
            return self.conf[section][key][0]
        except KeyError:
            if default is None:
                raise ConfigError(self.where, 0,
                                  f"required setting [{section}] {key} is missing") from None
            return default


class App:
    def __init__(self, name: str, settings: Settings) -> None:
        self.name = name
        self.s = settings
        self.requests = 0

    def log(self, level: str, message: str) -> None:
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {self.name}[{os.getpid()}] {level}: " \
               f"{message}"
        if level != "INFO":
            print(line, file=sys.stderr, flush=True)
        if self.s.log_file:
            try:
                with open(self.s.log_file, "a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
            except OSError as exc:
                print(f"{self.name}: cannot write log file {self.s.log_file}: {exc}",
                      file=sys.stderr, flush=True)

    def fatal(self, message: str, code: int = 1) -> None:
        self.log("FATAL", message)
        raise SystemExit(code)

    def preflight(self) -> None:
        for var in self.s.required_env:
            if not os.environ.get(var):
                self.fatal(f"required environment variable {var} is not set; refusing to start")
        if self.s.license_file:
            try:
                with open(self.s.license_file, encoding="utf-8") as fh:
                    lic = dict(line.strip().split("=", 1) for line in fh if "=" in line)
            except OSError as exc:
                self.fatal(f"cannot read license file {self.s.license_file}: {exc}")
            expires = datetime.date.fromisoformat(lic.get("expires", "1970-01-01").strip())
            if expires < datetime.date.today():
                self.fatal(f"license {lic.get('serial', '?').strip()} expired on {expires} "
                           f"(license file {self.s.license_file}); contact the vendor to renew "
                           "it. Refusing to start")
        if not os.path.isdir(self.s.data_dir):
            self.fatal(f"data directory {self.s.data_dir} does not exist or is not a directory "
                       f"([Errno {errno.ENOENT}] No such file or directory)")
        try:
            self.save_state()
        except OSError as exc:
            self.fatal(f"cannot write state to data directory {self.s.data_dir}: {exc}")

    def save_state(self) -> None:
        path = os.path.join(self.s.data_dir, "state.json")
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"pid": os.getpid(), "requests": self.requests}, fh)
        os.replace(tmp, path)

    def page(self) -> tuple[int, bytes]:
        self.requests += 1
        try:
            self.save_state()
        except OSError as exc:
            self.log("ERROR", f"cannot save state: {exc}")
            return 500, b"internal error\n"
        return 200, f"{self.name} ok pid={os.getpid()}\n".encode()


def make_handler(app: App) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] in ("/", "/healthz"):
                status, body = app.page()
            else:
                status, body = 404, b"not found\n"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", required=True)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--config")
    group.add_argument("--config-dir")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    where = args.config or args.config_dir
    try:
        settings = Settings(load(args), where)
    except ConfigError as exc:
        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {args.name}[{os.getpid()}] FATAL: "
              f"configuration error in {exc.path} line {exc.line}: {exc.message}",
              file=sys.stderr, flush=True)
        return EX_CONFIG
    except OSError as exc:
        print(f"{args.name}: cannot read configuration {where}: {exc}", file=sys.stderr,
              flush=True)
        return EX_CONFIG
    if args.check:
        print(f"{args.name}: configuration OK ({where})")
        return 0
    app = App(args.name, settings)
    app.log("INFO", f"starting, configuration {where}")
    app.preflight()
    try:
        server = ThreadingHTTPServer((settings.bind, settings.port), make_handler(app))
    except OSError as exc:
        app.fatal(f"cannot listen on {settings.bind}:{settings.port}: [Errno {exc.errno}] "
                  f"{exc.strerror}")
    app.log("INFO", f"listening on {settings.bind}:{settings.port}")
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
