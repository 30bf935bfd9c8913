"""`shturman serve --open` and `shturman web --open` as real processes: each prints the web
app's URL — and, while no admin exists, the one-time setup link — which answers over real
HTTP; the link creates the first admin; SIGTERM stops the process cleanly (exit 0)."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

SHTURMAN = str(Path(sys.executable).parent / "shturman")
ROOT = Path(__file__).resolve().parents[2]
URL = re.compile(r"(http://127\.0\.0\.1:\d+\S*)")
PASSWORD = "first-admin-пароль-1"


class Running:
    """A `shturman` process whose stdout lines are read on a thread."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([SHTURMAN, *args], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line)
        self._queue.put(None)

    def line(self, pattern: str, timeout: float = 60) -> str:
        """The first printed line containing ``pattern``."""
        for seen in self.lines:
            if pattern in seen:
                return seen
        while True:
            try:
                line = self._queue.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line with {pattern!r} in {timeout} s: {self.lines}"
                                     ) from None
            if line is None:
                err = self.proc.stderr.read() if self.proc.stderr else ""
                raise AssertionError(f"exited ({self.proc.poll()}) before {pattern!r}: "
                                     f"{self.lines} {err}")
            self.lines.append(line)
            if pattern in line:
                return line

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _url(line: str) -> str:
    found = URL.search(line)
    assert found, line
    return found.group(1)


@pytest.fixture
def env(home: Path, db_url: str) -> Iterator[dict[str, str]]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    base.update(SHTURMAN_HOME=str(home), SHTURMAN_DATABASE_URL=db_url, PYTHONPATH=str(ROOT),
                SHTURMAN_WEB__PORT=str(_free_port()), SHTURMAN_LANGUAGE="en")
    yield base


@pytest.fixture
def started() -> Iterator[list[Running]]:
    processes: list[Running] = []
    yield processes
    for p in processes:
        p.kill()


def _create_admin(setup_url: str) -> None:
    with httpx.Client(timeout=10) as http:
        form = http.get(setup_url)
        assert form.status_code == 200 and 'name="password2"' in form.text, form.text
        token = setup_url.split("token=", 1)[1]
        created = http.post(setup_url.split("?", 1)[0], data={
            "token": token, "name": "boss", "password": PASSWORD, "password2": PASSWORD,
            "language": "en"})
        assert created.status_code == 303 and created.headers["location"] == "/welcome"
        welcome = http.get(setup_url.split("/setup", 1)[0] + "/welcome")
        assert welcome.status_code == 200 and 'id="steps"' in welcome.text
        used = http.post(setup_url.split("?", 1)[0], data={
            "token": token, "name": "other", "password": PASSWORD, "password2": PASSWORD})
        assert used.status_code == 401  # single use


def test_serve_open_prints_the_setup_link_then_web_open_only_the_url(
        env: dict[str, str], started: list[Running]) -> None:
    serve = Running(["serve", "--open"], env)
    started.append(serve)
    app_line = serve.line("The web app:")
    setup_line = serve.line("First run:")
    base = _url(app_line)
    assert base == f"http://127.0.0.1:{env['SHTURMAN_WEB__PORT']}", app_line
    setup_url = _url(setup_line)
    assert setup_url.startswith(base + "/setup?token="), setup_line
    healthz = httpx.get(base + "/healthz", timeout=10)
    assert healthz.status_code == 200 and healthz.json()["status"] == "ok"
    _create_admin(setup_url)
    assert serve.stop() == 0, serve.proc.stderr.read() if serve.proc.stderr else ""

    # an admin exists now: `web --open` prints the URL and no setup link
    web = Running(["web", "--open", "--port", "0"], env)
    started.append(web)
    opened = _url(web.line("The web app:"))
    assert opened.endswith("/") and "/setup" not in opened
    page = httpx.get(opened, headers={"accept": "text/html"}, timeout=10)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    login = httpx.get(opened + "login", timeout=10)
    assert login.status_code == 200 and 'name="password"' in login.text
    assert web.stop() == 0
    assert not any("/setup?token=" in line for line in web.lines), web.lines


def test_web_open_on_a_fresh_home_prints_a_link_that_works(
        env: dict[str, str], started: list[Running]) -> None:
    web = Running(["web", "--open", "--port", "0"], {**env, "SHTURMAN_LANGUAGE": "ru"})
    started.append(web)
    base = _url(web.line("Веб-приложение:"))
    setup_url = _url(web.line("Первый запуск:"))
    assert setup_url.startswith(base + "/setup?token=")
    _create_admin(setup_url)
    assert web.stop() == 0


def test_open_is_in_the_help_in_both_languages(env: dict[str, str]) -> None:
    for command in ("serve", "web"):
        shown = subprocess.run([SHTURMAN, command, "--help"], env={**env, "COLUMNS": "200"},
                               capture_output=True, text=True, timeout=60, check=False)
        assert shown.returncode == 0, shown.stderr
        assert "--open" in shown.stdout and "one-time" in shown.stdout
        assert "одноразовую" in shown.stdout
