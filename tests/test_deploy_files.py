"""deploy/: the Grafana dashboard and the Prometheus config and alert rules parse, name only
metrics (and labels) that Shturman's registry has, cover what the issue lists, and carry
their texts in Russian and English; promtool (Debian's `prometheus`) checks the rules and the
config and runs the rules' unit tests (deploy/prometheus/alerts_test.yml)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import Counter, Gauge, Histogram

from shturman.observability import metrics

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "shturman-dashboard.json"
PROMETHEUS = DEPLOY / "prometheus" / "prometheus.yml"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
NAME = re.compile(r"\bshturman_[a-z0-9_]+\b")
SELECTOR = re.compile(r"\b(shturman_[a-z0-9_]+)\{([^}]*)\}")
BY = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
ISSUE = ("shturman_tasks_total", "shturman_commands_total", "shturman_task_duration_seconds",
         "shturman_errors_total", "shturman_active_connections",
         "shturman_health_check_status", "shturman_llm_tokens_total",
         "shturman_approvals_total")
SCRAPE_LABELS = {"instance", "job"}
CYRILLIC = re.compile(r"[а-яё]", re.I)


def registry() -> dict[str, set[str]]:
    """Every series name the registry exposes → the labels it may carry."""
    found: dict[str, set[str]] = {}
    for item in vars(metrics).values():
        if not isinstance(item, Counter | Gauge | Histogram):
            continue
        name, labels = item._name, set(item._labelnames)
        if isinstance(item, Counter):
            found[name + "_total"] = labels
        elif isinstance(item, Histogram):
            for suffix in ("_bucket", "_sum", "_count"):
                found[name + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
        else:
            found[name] = labels
    return found


def dashboard_exprs() -> list[str]:
    board = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [t["expr"] for p in board["panels"] for t in p.get("targets", [])]


def rules() -> list[dict[str, Any]]:
    loaded = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [r for group in loaded["groups"] for r in group["rules"]]


def test_files_parse_and_name_only_real_metrics_and_labels() -> None:
    known = registry()
    assert set(ISSUE) <= {n.removesuffix("_bucket") for n in known} | set(known), (
        "a metric the issue lists is missing from observability/metrics.py")
    config = yaml.safe_load(PROMETHEUS.read_text(encoding="utf-8"))
    assert config["rule_files"] == ["alerts.yml"]
    job = config["scrape_configs"][0]
    assert job["metrics_path"] == "/metrics" and job["authorization"]["type"] == "Bearer"
    exprs = dashboard_exprs() + [str(r["expr"]) for r in rules()]
    assert len(exprs) >= 20
    for expr in exprs:
        for name in NAME.findall(expr):
            assert name in known, f"{name} (in {expr!r}) is not a metric of the registry"
        for name, matchers in SELECTOR.findall(expr):
            for matcher in filter(None, (m.strip() for m in matchers.split(","))):
                label = re.split(r"[=!~]", matcher, maxsplit=1)[0].strip()
                assert label in known[name] | SCRAPE_LABELS, (name, label, expr)
        used = set(NAME.findall(expr))
        for group in BY.findall(expr):
            for label in filter(None, (x.strip() for x in group.split(","))):
                allowed = set().union(*(known[n] for n in used)) | SCRAPE_LABELS
                assert label in allowed, (label, expr)


def test_the_dashboard_shows_every_listed_metric() -> None:
    text = " ".join(dashboard_exprs())
    for name in ISSUE:
        assert re.search(rf"\b{name}(_bucket|_sum|_count)?\b", text), name
    board = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert all(" / " in p["title"] for p in board["panels"])  # "русский / English"
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))


def test_alert_rules_have_expr_for_labels_and_bilingual_annotations() -> None:
    found = rules()
    names = {r["alert"] for r in found}
    assert {"ShturmanHostDown", "ShturmanCheckDown", "ShturmanCheckFailing",
            "ShturmanErrorRate", "ShturmanApprovalsWaiting"} <= names
    for rule in found:
        assert rule["expr"] and re.fullmatch(r"\d+[smh]", rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in ("critical", "warning", "info"), rule["alert"]
        notes = rule["annotations"]
        for key in ("summary", "description"):
            assert CYRILLIC.search(notes[f"{key}_ru"]), (rule["alert"], key)
            assert notes[f"{key}_en"] and not CYRILLIC.search(notes[f"{key}_en"]), (
                rule["alert"], key)
            assert CYRILLIC.search(notes[key]) and " / " in notes[key], (rule["alert"], key)


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: install Debian's `prometheus` package "
                    "(scripts/setup-system.sh does)", pytrace=False)
    return found


def test_promtool_accepts_the_config_and_the_rules_and_their_unit_tests(tmp_path: Path
                                                                        ) -> None:
    promtool = _promtool()
    for args in (["check", "rules", str(ALERTS)],
                 ["test", "rules", str(DEPLOY / "prometheus" / "alerts_test.yml")]):
        done = subprocess.run([promtool, *args], capture_output=True, text=True, timeout=60,
                              check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    token = tmp_path / "shturman.token"
    token.write_text("shtk_example\n", encoding="utf-8")
    config = PROMETHEUS.read_text(encoding="utf-8").replace(
        "/etc/prometheus/shturman.token", str(token))
    (tmp_path / "prometheus.yml").write_text(config, encoding="utf-8")
    shutil.copy(ALERTS, tmp_path / "alerts.yml")
    done = subprocess.run([promtool, "check", "config", str(tmp_path / "prometheus.yml")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
