"""Classes of holes closed together: config testers given a foreign configuration, object
dumps that carry environments or secret data, shell scripts under timeout/nice/env."""

from __future__ import annotations

import pytest

from shturman.domain.models import Decision
from shturman.policy import Policy
from shturman.policy.dumps import go_template_reveals, jsonpath_reveals, kube_output_reveals
from shturman.policy.shell import Word
from shturman.policy.unwrap import bind_positionals

ALLOW, CONFIRM, BLOCK = Decision.ALLOW, Decision.CONFIRM, Decision.BLOCK


# ---- config testers -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cmd", "decision"),
    [
        ("nginx -t", ALLOW),
        ("nginx -T", ALLOW),
        ("nginx -t -c /etc/nginx/nginx.conf", ALLOW),
        ("nginx -t -e stderr", ALLOW),
        ("nginx -t -c /tmp/hostile.conf", CONFIRM),
        ("nginx -c /tmp/hostile.conf -T", CONFIRM),
        ("nginx -t -g 'load_module /tmp/x.so;'", CONFIRM),
        ("nginx -t -p /tmp", CONFIRM),
        ("nginx -t -e /tmp/log", CONFIRM),
        ("nginx -t -c /etc/nginx/../../tmp/x", CONFIRM),
        ("nginx -t -c nginx.conf", CONFIRM),  # relative to a prefix the policy cannot see
        ("nginx -t -c /etc/nginx/$F", CONFIRM),
        ("apachectl -t", ALLOW),
        ("apachectl -t -f /tmp/x.conf", CONFIRM),
        ("httpd -t -C 'LoadModule x /tmp/x.so'", CONFIRM),
        ("haproxy -c -f /etc/haproxy/haproxy.cfg", ALLOW),
        ("haproxy -c -f /tmp/h.cfg", CONFIRM),
        ("sshd -t", ALLOW),
        ("sshd -t -f /tmp/sshd_config", CONFIRM),
        ("sshd -T -o 'Include /tmp/x'", CONFIRM),
        ("postfix check", ALLOW),
        ("postfix -c /tmp/pf check", CONFIRM),  # an option before the verb counts too
        ("caddy validate --config /tmp/Caddyfile", CONFIRM),
        ("php-fpm -t -d extension=/tmp/x.so", CONFIRM),
        # read-only parsers: any file, but a credential file is a credential read
        ("visudo -c -f /tmp/sudoers.new", ALLOW),
        ("named-checkconf /tmp/named.conf", ALLOW),
        ("nginx -t -c /etc/shadow", BLOCK),
        ("sshd -t -f /etc/shadow", BLOCK),
        ("haproxy -c -f /root/.aws/credentials", BLOCK),
    ],
)
def test_config_testers(policy: Policy, cmd: str, decision: Decision) -> None:
    assert policy.check_uncached(cmd).decision is decision, policy.check_uncached(cmd).rule_ids


def test_foreign_config_names_its_reason(policy: Policy) -> None:
    verdict = policy.check_uncached("nginx -t -c /tmp/hostile.conf")
    assert verdict.rule_ids == ("grammar.config_source",)
    assert "/tmp/hostile.conf" in verdict.reasons[0].text("en")


# ---- object dumps ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cmd", "decision"),
    [
        ("kubectl get pods -n prod", ALLOW),
        ("kubectl get pods -o wide", ALLOW),
        ("kubectl get svc,ing -o yaml", ALLOW),
        ("kubectl get nodes -o json", ALLOW),
        ("kubectl get pod web -o yaml", BLOCK),
        ("kubectl get po/web -oyaml", BLOCK),
        ("kubectl get deployments.apps api --output=json", BLOCK),
        ("kubectl get svc,deploy -o yaml", BLOCK),
        ("kubectl get -f app.yaml -o yaml", BLOCK),  # kinds unknown: fail closed
        ("kubectl get myresources -o yaml", BLOCK),  # a custom resource may hold anything
        ("kubectl get cm app -o yaml", BLOCK),
        ("kubectl describe cm app", BLOCK),
        ("kubectl get --raw /api/v1/namespaces/x/pods", BLOCK),
        ("kubectl get --raw /readyz", ALLOW),
        ("oc get pod web -o json", BLOCK),
        ("helm get values api", BLOCK),
        ("helm get manifest api", BLOCK),
        ("helm status api -o yaml", BLOCK),
        ("helm status api", ALLOW),
        ("crictl inspect abc", BLOCK),
        ("crictl inspect -o table abc", ALLOW),
        ("docker service inspect api", BLOCK),
        ("docker compose config", BLOCK),
        ("docker compose config -q", ALLOW),
        ("docker compose config --services --environment", BLOCK),
        ("aws ec2 describe-instance-attribute --instance-id i-1 --attribute userData", BLOCK),
    ],
)
def test_object_dumps(policy: Policy, cmd: str, decision: Decision) -> None:
    assert policy.check_uncached(cmd).decision is decision, policy.check_uncached(cmd).rule_ids


@pytest.mark.parametrize(
    ("expr", "reveals"),
    [
        ("{.items[*].status.phase}", False),
        ('{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}', False),
        ("{..image}", False),
        ('{.spec.containers[?(@.name=="app")].image}', False),
        (".items[*].metadata.name", False),  # kubectl adds the braces itself
        ("{.items[*].spec.containers[*].env}", True),
        ("{..env}", True),
        ("{..value}", True),
        ("{.items[*].spec}", True),
        ("{.items[0]}", True),
        ("{@}", True),
        ("{..}", True),
        ("{.data.password}", True),
        ("{.data['password']}", True),
        ("{.metadata.annotations['kubectl\\.kubernetes\\.io/last-applied-configuration']}", True),
        ('{.spec.containers[?(@.name=="app")]}', True),
        ("{range .items[*].spec.containers[*].env[*]}{.name}{end}", True),
        ("{.items[*", True),
    ],
)
def test_jsonpath(expr: str, reveals: bool) -> None:
    assert jsonpath_reveals(expr) is reveals


@pytest.mark.parametrize(
    ("template", "reveals"),
    [
        ('{{range .items}}{{.metadata.name}}{{"\\n"}}{{end}}', False),
        ("{{.status.state}}", False),
        ('{{index .metadata.labels "app"}}', False),
        ("{{.}}", True),
        ("{{range .items}}{{.}}{{end}}", True),
        ("{{.data.password | base64decode}}", True),
        ('{{index .data "password"}}', True),
        ("{{.spec}}", True),
        ("{{$.metadata}}", True),
        ("{{json .info}}", True),
    ],
)
def test_go_template(template: str, reveals: bool) -> None:
    assert go_template_reveals(template) is reveals


def test_output_formats() -> None:
    assert not kube_output_reveals(["wide"], [])
    assert not kube_output_reveals(["=name"], [])
    assert kube_output_reveals(["yaml"], [])
    assert kube_output_reveals(["jsonpath"], [])  # the template comes in --template
    assert not kube_output_reveals(["jsonpath"], ["{.items[*].metadata.name}"])
    assert kube_output_reveals(["custom-columns-file=/tmp/c"], [])
    assert kube_output_reveals(["some-future-format"], [])


# ---- shell scripts under wrappers ------------------------------------------------------------
@pytest.mark.parametrize(
    ("cmd", "decision"),
    [
        ("timeout 5 bash -c 'while true; do cat /proc/loadavg; sleep 1; done'", ALLOW),
        ("timeout -k 2 5 nice -n 10 ionice -c3 stdbuf -oL env -i sh -c 'df -h'", ALLOW),
        ("timeout 5 bash -c 'while read -r l; do echo \"$l\"; done < /etc/hosts'", ALLOW),
        ("timeout 30 sh -c 'until nc -z localhost 5432; do sleep 1; done'", ALLOW),
        ("timeout 5 bash -c 'while :; do systemctl restart app; done'", CONFIRM),
        ("nice bash -c 'rm -rf /'", BLOCK),
        ("stdbuf -oL zsh -c 'cat ~/.ssh/id_ed25519'", BLOCK),
        ('timeout 5 dash -c "$SCRIPT"', BLOCK),
        ('env bash -c "$(cat /tmp/s)"', BLOCK),
        # positional parameters: the words after the script are what it runs with
        ("bash -c 'rm -rf \"$1\"' _ /", BLOCK),
        ("sh -c 'rm -rf $0' /", BLOCK),
        ("timeout 5 bash -c 'rm -rf \"$@\"' sh /etc /var", BLOCK),
        ("sh -c 'cat $0' /etc/shadow", BLOCK),
        ('bash -c \'rm -rf "$1"\' _ "$DIR"', CONFIRM),
        # a start-up file runs before the command
        ("bash --rcfile /tmp/x -i -c uptime", CONFIRM),
        ("timeout 5 bash --init-file /tmp/x -c uptime", CONFIRM),
    ],
)
def test_wrapped_scripts(policy: Policy, cmd: str, decision: Decision) -> None:
    assert policy.check_uncached(cmd).decision is decision, policy.check_uncached(cmd).rule_ids


def test_bind_positionals() -> None:
    words = [Word("_", "_"), Word("/srv/a b", "'/srv/a b'"), Word("x", "$X", literal=False)]
    assert bind_positionals('rm -rf "$1"', words) == "rm -rf '/srv/a b'"
    assert bind_positionals("echo $0 ${1} $2", words) == "echo _ '/srv/a b' \"${_arg2}\""
    assert bind_positionals('ls "$@"', words) == "ls '/srv/a b' \"${_arg2}\""
    assert bind_positionals("ls", words) is None
    assert bind_positionals("ls $1", []) is None
