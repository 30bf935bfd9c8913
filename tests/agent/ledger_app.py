"""A small service for the runbook-cause tests, laid out unlike the scenario apps.

    ledger_app.py CONFIG.ini

Its port lives only in the INI file (``[http] port = N``), so the runbook must learn it from
the config. A broken config line makes it say ``config error in PATH line N: …`` and exit 2;
a licence file saying ``expired`` makes it fail with a reason no remedy knows (exit 3).
"""

from __future__ import annotations

import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def say(level: str, message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} ledger {level}: {message}", file=sys.stderr, flush=True)


def read_ini(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")) or (line.startswith("[") and line.endswith("]")):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            say("ERROR", f"config error in {path} line {number}: expected 'key = value'")
            sys.exit(2)
        values[key.strip()] = value.strip()
    return values


def main() -> None:
    config = Path(sys.argv[1])
    values = read_ini(config)
    licence = Path(values.get("licence", "/nonexistent"))
    if licence.exists() and "expired" in licence.read_text():
        say("FATAL", "licence check failed: the licence expired on 2024-01-01")
        sys.exit(3)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"ledger ok\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", int(values["port"])), Handler)
    say("INFO", f"listening on 127.0.0.1:{values['port']}")
    server.serve_forever()


if __name__ == "__main__":
    main()
