"""Web API latency under concurrent load (DESIGN.md §7, issue 11): p50/p99 of the task list
(``/api/tasks``, the ``/tasks`` page) and the notification endpoints (``/api/notifications``,
``/api/notifications/unread``, the ``/notifications`` page), on SQLite and PostgreSQL, against
baselines measured in the same run: ``/healthz`` (no auth, no store) and ``/api/me`` (the
session lookup alone). Ratios = p50 (or p99) of the route / p50 (or p99) of ``/healthz``.

The server is a real ``shturman web`` process (uvicorn) on loopback; the load comes from a
second process (this script with ``--load``): one logged-in session shared by ``--clients``
concurrent httpx connections; each endpoint is warmed up, timed alone (one client, one
request at a time: the "1 client" p50 column, latency without queueing), then under load
(``--requests`` requests over the ``--clients`` connections: p50, p99, req/s).
The store is seeded with ``--rows`` tasks and notifications for the user first.

Run: .venv/bin/python bench/web_bench.py [--clients 16] [--requests 400] [--rows 200]
Prints a table and writes bench/results/web_bench.json. Starts its own throwaway PostgreSQL
on loopback (tests/postgres.py) and stops it afterwards; ``--backends sqlite`` skips it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SHTURMAN = str(Path(sys.executable).parent / "shturman")
USER, PASSWORD = "bench", "bench-password-1"
BASELINES = ("/healthz", "/api/me")
ROUTES = ("/api/tasks", "/tasks", "/api/notifications", "/api/notifications/unread",
          "/notifications")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the load generator (the second process) ---

async def load(base: str, clients: int, requests: int, warmup: int) -> dict[str, Any]:
    import httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        form = await client.get("/login")
        token = CSRF.search(form.text)
        assert token, form.text[:300]
        signed = await client.post("/login", data={"name": USER, "password": PASSWORD,
                                                   "csrf_token": token.group(1),
                                                   "next": "/runs"})
        assert signed.status_code == 303, signed.text[:300]
        results: dict[str, Any] = {}
        for path in (*BASELINES, *ROUTES):
            results[path] = await _measure(client, path, clients, requests, warmup)
    return results


async def _measure(client: Any, path: str, clients: int, requests: int, warmup: int
                   ) -> dict[str, Any]:
    for _ in range(warmup):
        answer = await client.get(path)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:200])
    alone: list[float] = []  # one client, one request at a time: latency without queueing
    for _ in range(max(20, requests // 8)):
        start = time.perf_counter()
        await client.get(path)
        alone.append(time.perf_counter() - start)
    latencies: list[float] = []
    left = iter(range(requests))
    errors = 0

    async def worker() -> None:
        nonlocal errors
        for _ in left:
            start = time.perf_counter()
            answer = await client.get(path)
            latencies.append(time.perf_counter() - start)
            if answer.status_code != 200:
                errors += 1

    wall = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    wall = time.perf_counter() - wall
    return {"p50_ms": pct(latencies, 0.50) * 1000, "p99_ms": pct(latencies, 0.99) * 1000,
            "rps": len(latencies) / wall, "n": len(latencies), "errors": errors,
            "alone_p50_ms": pct(alone, 0.50) * 1000, "alone_p99_ms": pct(alone, 0.99) * 1000}


# --- the orchestrator ---

async def seed(home: Path, url: str, rows: int) -> None:
    from shturman.app import container
    from shturman.config import load_settings
    from shturman.domain.notifications import NotificationAction, NotificationKind
    from shturman.store.repositories.tasks import TaskRepo

    os.environ["SHTURMAN_DATABASE_URL"] = url
    settings = load_settings(home=home)
    async with container(settings) as c:
        await c.users.add(USER, "operator", password=PASSWORD, language="en")
        tasks = TaskRepo(c.db.engine)
        for i in range(rows):
            await tasks.add(f"bench task {i}: restart nginx on local",
                            "a task seeded by bench/web_bench.py", "local", USER, "en")
        for i in range(rows):
            kind = NotificationKind.ALERT if i % 2 else NotificationKind.RUN_FINISHED
            await c.notifications.notify(kind, USER if i % 3 else None, f"bench note {i}",
                                         "seeded by bench/web_bench.py",
                                         NotificationAction.NONE)


def serve(home: Path, url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SHTURMAN_HOME": str(home), "SHTURMAN_DATABASE_URL": url}
    log = (home / "web.log").open("wb")
    proc = subprocess.Popen([SHTURMAN, "web", "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"shturman web exited: {(home / 'web.log').read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("shturman web did not answer /healthz in 60 s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def backend(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    from shturman.vault import create_key_file

    with tempfile.TemporaryDirectory(prefix=f"shturman-webbench-{name}-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        create_key_file(home / "vault.key")
        asyncio.run(seed(home, url, args.rows))
        port = free_port()
        proc = serve(home, url, port)
        try:
            loader = subprocess.run(
                [sys.executable, __file__, "--load", f"http://127.0.0.1:{port}",
                 "--clients", str(args.clients), "--requests", str(args.requests),
                 "--warmup", str(args.warmup)],
                capture_output=True, text=True, timeout=1800, check=False)
        finally:
            stop(proc)
        if loader.returncode:
            raise RuntimeError(f"the load process failed: {loader.stderr[-2000:]}")
        found: dict[str, Any] = json.loads(loader.stdout)
        return found


def table(results: dict[str, dict[str, Any]]) -> list[str]:
    lines = [f"{'backend':9} {'route':28} {'1 client':>9} {'p50 ms':>8} {'p99 ms':>8} "
             f"{'req/s':>8} {'p50/healthz':>12} {'p99/healthz':>12} {'p50/me':>8}"]
    for name, routes in results.items():
        base, me = routes["/healthz"], routes["/api/me"]
        for path, r in routes.items():
            r["p50_ratio_healthz"] = r["p50_ms"] / base["p50_ms"]
            r["p99_ratio_healthz"] = r["p99_ms"] / base["p99_ms"]
            r["p50_ratio_me"] = r["p50_ms"] / me["p50_ms"]
            lines.append(f"{name:9} {path:28} {r['alone_p50_ms']:9.2f} {r['p50_ms']:8.2f} "
                         f"{r['p99_ms']:8.2f} "
                         f"{r['rps']:8.1f} {r['p50_ratio_healthz']:12.2f} "
                         f"{r['p99_ratio_healthz']:12.2f} {r['p50_ratio_me']:8.2f}"
                         + (f"  errors={r['errors']}" if r["errors"] else ""))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--rows", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "web_bench.json"))
    parser.add_argument("--load", metavar="URL", help=argparse.SUPPRESS)  # the second process
    args = parser.parse_args()
    if args.load:
        print(json.dumps(asyncio.run(load(args.load, args.clients, args.requests,
                                          args.warmup))))
        return
    results: dict[str, dict[str, Any]] = {}
    load_before = os.getloadavg()
    for name in args.backends.split(","):
        if name == "sqlite":
            with tempfile.TemporaryDirectory(prefix="shturman-webbench-db-") as db:
                results[name] = backend(name, f"sqlite+aiosqlite:///{db}/bench.db", args)
        elif name == "postgres":
            from tests.postgres import ThrowawayPostgres

            pg = ThrowawayPostgres()
            try:
                results[name] = backend(name, pg.start(), args)
            finally:
                pg.stop()
        else:
            raise SystemExit(f"unknown backend {name!r}: sqlite or postgres")
    lines = table(results)
    print("\n".join(lines))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "clients": args.clients, "requests": args.requests, "rows": args.rows,
        "cpus": os.cpu_count(), "load_process": "httpx, one session, N connections",
        "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
        "results": results}, indent=2) + "\n")
    print(f"loadavg (1, 5, 15 min) before {load_before}, after {os.getloadavg()}")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
