from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from shturman.interfaces.cli.main import app

runner = CliRunner()


def test_check_json() -> None:
    res = runner.invoke(app, ["policy", "check", "--json", "df -h && rm -rf /"])
    assert res.exit_code == 0, res.output
    obj = json.loads(res.output)
    assert obj["decision"] == "block"
    assert obj["commands"] == ["df -h", "rm -rf /"]
    assert all(isinstance(r, str) and ": " in r for r in obj["reasons"])
    assert obj["reasons"][0].startswith("fs.rm_system: ")


def test_check_human_ru_and_en() -> None:
    res = runner.invoke(app, ["policy", "check", "systemctl restart nginx"])
    assert res.exit_code == 0 and "ПОДТВЕРЖДЕНИЕ" in res.output
    res = runner.invoke(app, ["policy", "check", "--lang", "en", "uptime"])
    assert res.exit_code == 0 and "ALLOWED" in res.output


def test_check_jsonl_preserves_order_and_survives_bad_lines(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"cmd": "ls"}\nnot json\n{"cmd": 3}\n{"other": 1}\n{"cmd": "rm -rf /"}\n', encoding="utf-8"
    )
    res = runner.invoke(app, ["policy", "check", "--jsonl", str(src)])
    assert res.exit_code == 0
    rows = [json.loads(line) for line in res.output.splitlines()]
    assert [r["decision"] for r in rows] == ["allow", "block", "block", "block", "block"]
    assert rows[1]["reasons"][0].startswith("input: malformed line")
    assert rows[1]["commands"] == []


def test_check_jsonl_stdin_subprocess() -> None:
    lines = "".join(json.dumps({"cmd": c}) + "\n" for c in ["uptime", "reboot", "cat .env"])
    argv = [
        sys.executable,
        "-c",
        "from shturman.app import main; main()",
        "policy",
        "check",
        "--jsonl",
        "-",
    ]
    proc = subprocess.run(
        argv, input=lines, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert [json.loads(x)["decision"] for x in proc.stdout.splitlines()] == [
        "allow",
        "confirm",
        "block",
    ]


def test_extra_rules_option(tmp_path: Path) -> None:
    extra = tmp_path / "r.yaml"
    extra.write_text(
        "rules:\n  - id: site.x\n    decision: allow\n    commands: [myctl]\n"
        "    en: ok\n    ru: ок\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["policy", "check", "--json", "--rules", str(extra), "myctl"])
    out = json.loads(res.output)
    # allowed by name, but no argument grammar says which arguments keep it read-only
    assert out["decision"] == "confirm"
    assert "grammar.unknown_program" in out["rule_ids"]
    extra = tmp_path / "r2.yaml"  # rule files are loaded once per path
    extra.write_text(
        "rules:\n  - id: site.no_uptime\n    decision: block\n    commands: [uptime]\n"
        "    en: not here\n    ru: не здесь\n",
        encoding="utf-8",
    )
    res = runner.invoke(app, ["policy", "check", "--json", "--rules", str(extra), "uptime"])
    assert json.loads(res.output)["decision"] == "block"


def test_explain() -> None:
    res = runner.invoke(app, ["policy", "explain", "--lang", "en", "sudo rm -rf /"])
    assert res.exit_code == 0 and "fs.rm_system" in res.output


def test_a_broken_rules_file_is_one_sentence_and_exit_3(tmp_path: Path) -> None:
    """A --rules file that does not parse (or does not exist) is named in one `✗` line on
    standard error, in the user's language, exit 3 (configuration) — on the fast path
    (`--json`, `--jsonl`) as on the typer one, and never a traceback."""
    bad = tmp_path / "site.yaml"
    bad.write_text("rules:\n  - id: x\n    decision: allow\n    en: a: b\n", encoding="utf-8")
    missing = tmp_path / "nowhere.yaml"
    cases = [
        (["policy", "check", "--json", "ls", "--rules", str(bad)], "", "Файл правил"),
        (["policy", "check", "--jsonl", "-", "--rules", str(bad)], '{"cmd": "ls"}\n',
         "Файл правил"),
        (["policy", "check", "--lang", "en", "ls", "--rules", str(bad)], "",
         "A policy rules file does not load"),
        (["policy", "explain", "ls", "--rules", str(missing)], "", "nowhere.yaml"),
    ]
    for args, stdin, expected in cases:
        proc = subprocess.run(
            [sys.executable, "-c", "from shturman.app import main; main()", *args],
            input=stdin, capture_output=True, text=True, timeout=60, check=False,
            env={**os.environ, "SHTURMAN_LANGUAGE": "ru"},
        )
        assert proc.returncode == 3, (args, proc.stderr)
        assert "Traceback" not in proc.stderr, proc.stderr
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("✗"), proc.stderr
        assert expected in lines[0] and proc.stdout == "", (args, proc.stderr)
    assert str(bad) in lines[0] or str(missing) in lines[0]
