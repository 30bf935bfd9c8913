"""Interactive approval in a real terminal (a pty): the operator sees the exact command and
the reasons, and only a "y" lets it run."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

SHTURMAN = str(Path(sys.executable).parent / "shturman")


def _controlling_tty() -> None:
    """Make the pty the child's controlling terminal, so ^C there is a real SIGINT."""
    import fcntl
    import termios

    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def run_in_tty(args: list[str], answer: str, env: dict[str, str],
               prompt: bytes = b"Run it?") -> tuple[int, str]:
    master, slave = pty.openpty()
    proc = subprocess.Popen([SHTURMAN, *args], stdin=slave, stdout=slave, stderr=slave,
                            env=env, close_fds=True, start_new_session=True,
                            preexec_fn=_controlling_tty)
    os.close(slave)
    seen = b""
    answered = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        if not answered and prompt in seen:
            os.write(master, answer.encode() + (b"" if answer == "\x03" else b"\r"))
            answered = True
        if proc.poll() is not None and not ready:
            break
    proc.wait(timeout=30)
    os.close(master)
    return proc.returncode, seen.decode(errors="replace")


def test_terminal_approval(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    env.update(SHTURMAN_HOME=str(tmp_path / "home"), COLUMNS="200", TERM="xterm",
               SHTURMAN_LANGUAGE="en")
    target = tmp_path / "approved"
    code, screen = run_in_tty(["exec", "local", "--", f"touch {target}"], "n", env)
    assert code == 1 and not target.exists()
    assert f"touch {target}" in screen and "Run it?" in screen
    code, screen = run_in_tty(["exec", "local", "--", f"touch {target}"], "y", env)
    assert code == 0 and target.exists(), screen


def test_prompt_language_and_ctrl_c(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHTURMAN_")}
    env.update(SHTURMAN_HOME=str(tmp_path / "home"), COLUMNS="200", TERM="xterm")
    target = tmp_path / "never"
    # Russian mode: the question is Russian only, on its own line after the command
    code, screen = run_in_tty(["exec", "local", "--", f"touch {target}"], "н", env,
                              prompt="Выполнить?".encode())
    assert code == 1 and not target.exists()
    lines = screen.splitlines()
    asked = next(i for i, line in enumerate(lines) if "Выполнить?" in line)
    assert f"touch {target}" not in lines[asked]
    assert any(f"touch {target}" in line for line in lines[:asked])
    assert "Run it" not in screen
    # Ctrl-C at the prompt acts at once (no Enter needed) and nothing runs
    code, screen = run_in_tty(["exec", "local", "--", f"touch {target}"], "\x03", env,
                              prompt="Выполнить?".encode())
    assert code == 130 and not target.exists(), screen  # a wait for Enter would hang here
    # and the refusal is audited like any other: the command, not run, `interrupted`
    audit = subprocess.run([SHTURMAN, "audit", "--json", "-n", "20"], env=env,
                           capture_output=True, text=True, check=True)
    rows = [json.loads(line) for line in audit.stdout.splitlines()]
    stopped = [r for r in rows if r["command"] == f"touch {target}"
               and r["outcome"] == "interrupted"]
    assert len(stopped) == 1 and stopped[0]["exit_code"] is None, rows
