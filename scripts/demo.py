"""`make demo`: Shturman fixes a real outage on a real (loopback) server, with no model.

1. Start a test host: a real OpenSSH sshd on 127.0.0.1 with its own user, and a real web service
   (`webapp`, run by systemctl3) on it.
2. Break it: a rogue process takes the web service's port, so the service cannot start.
3. Register the host with Shturman (config file + pinned host key) and ask, in Russian:
   «webapp на vm1 упал, почини» in autonomous mode (the demo says so: it pre-approves
   state-changing commands; blocked commands would still never run).
4. Shturman diagnoses (service failed, port owner found), fixes (stops the rogue, restarts the
   service), verifies (HTTP 200) and reports. Then the audit trail is shown and all is cleaned up.

With a model configured (SHTURMAN_LLM__*), open-ended requests use it; this routine repair
needs none.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostlab import faults  # noqa: E402
from tests.hostlab.lab import HostLab  # noqa: E402

SHTURMAN = str(Path(sys.executable).parent / "shturman")


def say(text: str) -> None:
    print(f"\n\033[1;36m== {text}\033[0m", flush=True)


def shturman(env: dict[str, str], *args: str, check: bool = True) -> int:
    print(f"\033[2m$ shturman {' '.join(args)}\033[0m", flush=True)
    code = subprocess.run([SHTURMAN, *args], env=env, check=False).returncode
    if check and code != 0:
        raise SystemExit(f"demo: `shturman {' '.join(args)}` exited {code}")
    return code


def main() -> int:
    base = Path(tempfile.mkdtemp(prefix="shturman-demo-", dir="/tmp"))
    os.chmod(base, 0o755)
    lab = HostLab(base / "lab", 1, user_prefix="shdemo")
    rogue = None
    try:
        say("Starting a loopback test server (real sshd + a web service) / "
            "Запускаю тестовый сервер")
        lab.start()
        host = lab.hosts[0]
        port = host.ports["webapp"]
        say(f"Breaking it: a rogue process takes port {port} / "
            f"Ломаю: чужой процесс занимает порт {port}")
        rogue = faults.take_port(port, host)
        host.systemctl("start", "webapp")  # fails: the port is taken
        print(f"webapp state: {faults.unit_state(host, 'webapp')}; "
              f"http://127.0.0.1:{port}/ answers 200: {faults.http_ok(f'http://127.0.0.1:{port}/')}"
              f" (the rogue answers nothing useful)")

        home = base / "home"
        config = base / "shturman.yaml"
        config.write_text(
            "language: ru\n"
            "servers:\n"
            f"  - name: {host.name}\n"
            f"    host: {host.host}\n"
            f"    port: {host.port}\n"
            f"    user: {host.user}\n"
            "    auth: key\n"
            f"    key_path: {lab.client_key}\n"
            "    aliases: [\"первая машина\", \"demo\"]\n"
            "    services: [webapp]\n",
            encoding="utf-8",
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
        env.update(SHTURMAN_HOME=str(home), SHTURMAN_CONFIG=str(config))
        for key in ("SHTURMAN_LLM__PROVIDER", "SHTURMAN_LLM__MODEL", "SHTURMAN_LLM__BASE_URL",
                    "SHTURMAN_LLM__API_KEY"):
            if key in os.environ:
                env[key] = os.environ[key]

        say("Setting up Shturman / Настраиваю Штурман")
        shturman(env, "init")
        shturman(env, "server", "test", host.name)

        with_model = bool(env.get("SHTURMAN_LLM__PROVIDER") and env.get("SHTURMAN_LLM__MODEL"))
        # Without a model the routine phrasing goes to the deterministic runbook; with one, an
        # open-ended phrasing goes to the model's plan (the same fault, the same checks).
        request = ("разберись, почему webapp на vm1 не отвечает, и исправь" if with_model
                   else "webapp на vm1 упал, почини")
        say("How Shturman reads the request / Как Штурман понимает запрос"
            + (f" (model: {env['SHTURMAN_LLM__MODEL']})" if with_model else " (no model)"))
        shturman(env, "plan", request)

        say("Fixing, in AUTONOMOUS mode: state-changing commands are pre-approved for this demo "
            "(blocked ones never run) / Ремонт в автономном режиме")
        code = shturman(env, "run", "--mode", "autonomous", request, check=False)

        say("Checking from outside / Проверка снаружи")
        ok = faults.http_ok(f"http://127.0.0.1:{port}/")
        print(f"webapp: {faults.unit_state(host, 'webapp')}; HTTP 200 from port {port}: {ok}")

        say("Audit trail / Журнал аудита")
        shturman(env, "audit", "--limit", "40")
        if code != 0 or not ok:
            print("\ndemo: the service was NOT repaired", file=sys.stderr)
            return 1
        say("Done: diagnosed, fixed, verified, reported / Готово")
        return 0
    finally:
        if rogue is not None:
            rogue.stop()
        lab.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
