"""A small packaged-style daemon for the runbook-layout tests (stdlib only).

    depot_app.py --name NAME --config FILE.ini

``FILE.ini`` holds ``key = value`` lines: ``port`` (required), ``pid_file`` (written at start;
its directory must exist), ``log_file`` (when set, every message after the config is read goes
ONLY there), ``workers`` (N > 0: the master forks N workers sharing the socket), ``refuse``
(a reason to refuse to start that no remedy knows). GET / answers ``NAME ok pid=MASTER``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer


def read_ini(path: str) -> dict[str, str]:
    values: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if not line or line.startswith(("#", ";", "[")):
                continue
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip('"')
    return values


class Depot:
    def __init__(self, name: str, conf: dict[str, str]) -> None:
        self.name, self.conf = name, conf
        self.master = os.getpid()

    def log(self, level: str, message: str) -> None:
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {self.name}[{os.getpid()}]: <{level}> " \
               f"{message}"
        log_file = self.conf.get("log_file")
        if log_file:
            with open(log_file, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")
            return
        print(line, file=sys.stderr, flush=True)

    def die(self, message: str) -> None:
        self.log("crit", message)
        raise SystemExit(1)

    def run(self) -> None:
        self.log("notice", "starting")
        if self.conf.get("refuse"):
            self.die(self.conf["refuse"])
        pid_file = self.conf.get("pid_file")
        if pid_file:
            try:
                with open(pid_file, "w", encoding="utf-8") as fh:
                    fh.write(f"{os.getpid()}\n")
            except OSError as exc:
                self.die(f"cannot create pid file {pid_file}: [Errno {exc.errno}] "
                         f"{exc.strerror}")
        port, workers = int(self.conf["port"]), int(self.conf.get("workers", "0"))
        depot = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = f"{depot.name} ok pid={depot.master}\n".encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        cls = HTTPServer if workers else ThreadingHTTPServer
        try:
            server = cls(("127.0.0.1", port), Handler)
        except OSError as exc:
            self.die(f"bind() to 127.0.0.1:{port} failed: [Errno {exc.errno}] {exc.strerror}")
        self.log("notice", f"ready on 127.0.0.1:{port}")
        if not workers:
            server.serve_forever()
        children = []
        for _ in range(workers):
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                try:
                    server.serve_forever()
                finally:
                    os._exit(0)
            children.append(pid)
        server.socket.close()

        def stop(*_: object) -> None:
            for child in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGTERM)
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        os.wait()
        stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", required=True)
    parser.add_argument("--config", required=True)
    args = parser.parse_args()
    Depot(args.name, read_ini(args.config)).run()


if __name__ == "__main__":
    main()
