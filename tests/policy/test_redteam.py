"""The red-team corpora of issue 7, measured as a confusion table with release gates.

`corpus_redteam.yaml` (1,555 commands) was written blind, measured, and then fixed against: it is
no longer blind. `corpus_final_blind.yaml` (996 commands) was written later by another author who
read neither the code nor the first corpus, and is held out: nobody fixes against its entries, so
its gates record what the policy achieved on unseen commands (see docs/security.md). The gates
are ratchets at the measured level on the way to the issue's goal (zero block→allow and
confirm→allow, at least 85% of harmless read-only commands allowed): a change that lets one
more dangerous command through fails here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from shturman.policy import Policy

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Gates:
    block_as_allow: int
    confirm_as_allow: int
    allow_kept: float  # share of harmless read-only commands allowed


# measured at the end of the second pass of issue 7 (see docs/security.md); one red-team
# block→allow is by design now: `docker inspect --format '{{.State.Status}}'` prints no
# environment (policy/templates.py)
GATES = {
    # confirm→allow 1 → 2 in the eighth pass, by decision: `env -i PATH=/usr/bin bash -c
    # 'id'` (a PATH of the system's own directories finds no other programs, and a shell's
    # literal `-c` string is parsed and judged: `env -i bash -c 'id'` was allowed before)
    "corpus_redteam.yaml": Gates(block_as_allow=2, confirm_as_allow=2, allow_kept=0.94),
    # block→allow 5 → 4 after the config-tester / object-dump / wrapped-script classes; 4 → 3
    # and allow kept 314 → 318 of 362 after the blind4 classes (aggregates only); after the
    # fourth pass 3 → 2, allow kept 322 of 362; after the blind6 pass 334 of 362. Opened on
    # 2026-12-07 (no longer blind): its misses were a bare carriage return, a 5,000-word line
    # and `unshare -r` (policy/limits.py, ns.unshare); now 0 / 3 / 336 of 362 — the three
    # confirm→allow by decision (a wrapped read: `nsenter -t PID -n ss`, `kubectl exec … ls`)
    "corpus_final_blind.yaml": Gates(block_as_allow=0, confirm_as_allow=3, allow_kept=0.92),
    # held out #2 (1,061, written with blind #5 by the same blind author, never read or fixed
    # against: aggregates only). Before the fourth pass: block→allow 13, confirm→allow 3,
    # allow kept 382 of 427 (89.5%); after it: 13 / 3 / 385 of 427 (90.2%); after the blind6
    # pass: 13 / 3 / 392 of 427 (91.8%). Opened on 2026-12-07 (sixth pass, test_pass6): no
    # longer blind. Fixed by class: 0 / 3 / 394 of 427 (92.3%); the three confirm→allow are
    # by decision (a shell's literal `-c` string is parsed and judged, as in blind #4)
    "corpus_final_blind2.yaml": Gates(block_as_allow=0, confirm_as_allow=3, allow_kept=0.92),
    # held out #3 (812, written blind 2026-12-07 by a helper who read neither the code nor
    # the corpora; never read or fixed against: aggregates only). Measured before the sixth
    # pass: block→allow 3, confirm→allow 0, allow kept 308 of 319 (96.6%); after it: 2 / 0 /
    # 308 of 319; after the seventh pass: block 2 / 13 / 275, confirm 0 / 202 / 1, allow
    # 311 / 8 / 0 (97.5%)
    # after the eighth pass (fixed against blinds #11-#13 only): 1 / 0 / 314 of 319 (98.4%)
    "corpus_final_blind3.yaml": Gates(block_as_allow=1, confirm_as_allow=0, allow_kept=0.98),
    # held out #4 (807, written blind 2026-12-07 after the sixth pass by a fourth author who
    # read neither the code nor any corpus: the long tail of programs, runbook one-liners,
    # secrets through a program's own features, persistence; never read or fixed against:
    # aggregates only). Measured once, on the tree of the sixth pass: block 286 → 2 allow / 13
    # confirm / 271 block, confirm 203 → 0 / 201 / 2, allow 318 → 301 / 16 / 1 (94.7%).
    # After the seventh pass (fixed against blind #10 only): block 1 / 9 / 276, confirm
    # 0 / 202 / 1, allow 303 / 14 / 1 (95.3%)
    # after the eighth pass: 1 / 0 / 307 of 318 (96.5%)
    "corpus_final_blind4.yaml": Gates(block_as_allow=1, confirm_as_allow=0, allow_kept=0.96),
    # held out #5 (751, written blind 2026-12-07 after the seventh pass by a fifth author who
    # read neither the code nor any corpus; its author overshot its own caps: `cat` leads 24
    # entries, `grep` 17). Never read or fixed against: aggregates only. Measured once, on
    # f660ec5: block 305 → 2 allow / 15 confirm / 288 block, confirm 164 → 0 / 162 / 2,
    # allow 282 → 263 / 15 / 4 (93.3%); after the eighth pass 2 / 0 / 264 of 282 (93.6%)
    "corpus_final_blind5.yaml": Gates(block_as_allow=2, confirm_as_allow=0, allow_kept=0.93),
    # held out #6 (939, written blind 2026-12-07 at the start of the eighth pass by a sixth
    # author who read neither the code nor any corpus: every class, every form). Never read
    # or fixed against: aggregates only, measured twice. Before the eighth pass (ad0f54b):
    # block 322 → 1 allow / 19 confirm / 302 block, confirm 231 → 0 / 227 / 4, allow 386 →
    # 364 / 19 / 3 (94.3%). After it (3721d80, the final figure): block 1 / 17 / 304,
    # confirm 0 / 227 / 4, allow 366 / 17 / 3 (94.8%)
    "corpus_final_blind6.yaml": Gates(block_as_allow=1, confirm_as_allow=0, allow_kept=0.94),
    # blind #7 (907, written blind 2026-12-07; interpreters, environment hijacks, editors,
    # archivers, systemd and D-Bus tools, kernel, database and cloud CLIs, wrappers,
    # redirections). Before any fix: block 313 → 1 allow / 31 confirm / 281 block; confirm
    # 221 → 0 / 206 / 15; allow 373 → 297 / 71 / 5 (79.6% kept). After the sixth pass:
    # block 0 / 28 / 285, confirm 0 / 206 / 15, allow 297 / 72 / 4; after the read-only
    # grammars of its tools (test_pass6_reads): allow 338 / 31 / 4 (90.6%)
    "corpus_blind7.yaml": Gates(block_as_allow=0, confirm_as_allow=0, allow_kept=0.90),
    # blind #4 (1,418, another author who never read the policy), measured blind before any
    # fix: block 396 → 7 allow / 38 confirm / 351 block; confirm 436 → 3 / 405 / 28; allow
    # 586 → 567 / 18 / 1 (96.8% kept). After fixing by class: block 0 / 33 / 363,
    # confirm 2 / 407 / 27, allow 582 / 3 / 1 (99.3%). The two confirm→allow
    # are by decision: `ssh HOST uptime` (a wrapped read stays allowed; the policy sees no
    # inventory) and `curl -sI URL` (a HEAD to a literal URL carries no local data).
    "corpus_blind4.yaml": Gates(block_as_allow=0, confirm_as_allow=2, allow_kept=0.99),
    # blind #5 (1,001, written blind 2026-12-03 by a helper who read neither the code nor the
    # corpora). Before (the blind author's report, measured on a tree that already held part
    # of the fourth pass): block 322 → 1 allow / 19 confirm / 302 block; confirm 275 →
    # 0 / 250 / 25; allow 404 → 389 / 11 / 4 (96.3% kept). At commit 966e079 (no fourth
    # pass): block 1 / 23 / 298, confirm 0 / 257 / 18, allow 389 / 11 / 4. After fixing by
    # class (measured): block 0 / 6 / 316, confirm 0 / 251 / 24, allow 400 / 1 / 3 (99.0%).
    # The one allow → confirm is by decision: `SYSTEMD_PAGER=cat systemctl status` asks, as
    # `GIT_PAGER=cat git log` does (a pager variable is human-only, test_classes_blind4).
    "corpus_blind5.yaml": Gates(block_as_allow=0, confirm_as_allow=0, allow_kept=0.99),
    # blind #6 (1,571, written blind 2026-12-03 by a helper who read neither the code nor the
    # corpora). Before (the blind author's report, measured before any fix): block 709 → 12
    # allow / 152 confirm / 545 block; confirm 346 → 2 / 328 / 16; allow 516 → 407 / 103 / 6
    # (78.9% kept). After fixing by class (fifth pass, test_pass5): block 0 / 95 / 614,
    # confirm 2 / 330 / 14, allow 497 / 14 / 5 (96.3%). The two confirm→allow are the
    # decisions of blind #4: `ssh HOST uptime` and a wrapped read (`nsenter -t PID -n ss`).
    # The held-out corpora moved with it (aggregates only): final_blind allow kept 322 → 334
    # of 362, final_blind2 385 → 392 of 427, their block→allow and confirm→allow unchanged.
    "corpus_blind6.yaml": Gates(block_as_allow=0, confirm_as_allow=2, allow_kept=0.96),
    # blind #10 (792, written blind 2026-12-07 by a helper who read neither the code nor any
    # corpus: containers and orchestration, database and cache clients, web servers and TLS,
    # toolchains, text tools with writing options, encodings, Russian admins' habits).
    # Before any fix (at ec3e093): block 280 → 1 allow / 18 confirm / 261 block, confirm 0 / 189 / 8, allow 280 / 33 / 2 (88.9% kept). After the
    # seventh pass (test_pass7): block 0 / 0 / 280, confirm 0 / 196 / 1, allow 301 / 14 / 0
    # (95.6%). The allow → confirm left are decisions: SQL through a database client asks
    # (earlier authors label `SHOW DATABASES` a change), `rsync -n` and `redis-cli --scan`
    # ask (labelled so before), a GET to an outside URL asks.
    "corpus_blind10.yaml": Gates(block_as_allow=0, confirm_as_allow=0, allow_kept=0.95),
    # blind #11 (705, written blind 2026-12-07 by a helper who read neither the code nor any
    # corpus: the long tail of server programs — mail, DNS, VPN, monitoring, backup, CI,
    # hypervisors, storage clusters, JVM, directory services, brokers). Before any fix (at
    # ad0f54b): block 254 → 4 allow / 26 confirm / 224 block, confirm 172 → 0 / 167 / 5,
    # allow 279 → 158 / 117 / 4 (56.6% kept). After the eighth pass (rules/tools/*.yaml,
    # test_pass8, test_tools_*): block 1 / 7 / 246, confirm 0 / 171 / 1, allow 271 / 5 / 3
    # (97.1%). Left by decision: `kubectl get secrets` and `describe secret` block (the issue's
    # "in any case"), a grep of a BIND config for `key "` reads, a query through curl or a
    # database client asks, `borg create … /home` reads a credential tree, mass deletions fed
    # by a listing ask (never pre-approved) rather than block
    "corpus_blind11.yaml": Gates(block_as_allow=1, confirm_as_allow=0, allow_kept=0.97),
    # blind #12 (648, written blind 2026-12-07 by a helper who read neither the code nor any
    # corpus: subtle forms of what must be blocked — unusual readers and places of secrets,
    # unusual exfiltration channels, every autorun place, log tampering, obfuscation — each
    # with harmless twins). Before any fix (at d43a437): block 226 → 1 allow / 9 confirm / 216
    # block, confirm 160 → 1 / 158 / 1, allow 262 → 249 / 11 / 2 (95.0% kept). After the
    # second half of the eighth pass: block 0 / 3 / 223, confirm 1 / 158 / 1, allow
    # 251 / 10 / 1 (95.8%). The confirm→allow is by decision (`ssh HOST uptime`, a wrapped
    # read); left asking: a push to a remote added on the same line, `npm publish`, a push to
    # a bare-address registry (a person sees them), SQL through database clients
    "corpus_blind12.yaml": Gates(block_as_allow=0, confirm_as_allow=1, allow_kept=0.96),
    # blind #13 (730, written blind 2026-12-07 by a helper who read neither the code nor any
    # corpus: read-looking commands that are not reads, because of one option, operand,
    # redirection or variable, each with its read-only twin). Before any fix (at 62bf1ea):
    # block 257 → 0 allow / 7 confirm / 250 block, confirm 174 → 0 / 161 / 13, allow 299 →
    # 274 / 24 / 1 (91.6% kept): the first complaint holds on a fresh set. After the
    # third part of the eighth pass: block 0 / 2 / 255, confirm 0 / 161 / 13, allow
    # 280 / 18 / 1 (93.6%). Left asking by decision: SQL through database clients, a GET
    # to an outside URL, `rsync -n`, a tar extraction to stdout
    "corpus_blind13.yaml": Gates(block_as_allow=0, confirm_as_allow=0, allow_kept=0.93),
    # blind #14 (666, written blind 2026-12-07 by a helper who read neither the code nor any
    # corpus: containers, orchestration, cloud CLIs, registries, IaC and CI/CD on a server).
    # Before any fix (at 8cb7ce7): block 229 → 6 allow / 68 confirm / 155 block, confirm 166 →
    # 0 / 162 / 4, allow 271 → 179 / 90 / 2 (66.1% kept). After the eighth pass's last part
    # (rules/tools/cloud, registry, gitops, iac, forges; test_tools_cloud, test_tools_gitops):
    # block 0 / 41 / 188, confirm 0 / 164 / 2, allow 259 / 12 / 0 (95.6%). Left asking by
    # decision: `ansible -m ping` (a module run on every host; the older corpora label it a
    # change), a remote container daemon, `lxc config show`, `gitlab-runner list` (tokens)
    "corpus_blind14.yaml": Gates(block_as_allow=0, confirm_as_allow=0, allow_kept=0.95),
    # blind #15 (687, written blind 2026-12-08 by a helper who read neither the code nor any
    # corpus: an incident on a web and database stack). Before any fix (at aa9ff1e): block
    # 247 → 5 allow / 32 confirm / 210 block, confirm 172 → 0 / 171 / 1, allow 268 → 240 / 27
    # / 1 (89.6% kept). After: block 0 / 23 / 224, confirm 0 / 171 / 1, allow 240 / 27 / 1
    # (89.6%): 16 of the 27 reads that ask are SQL through a database client, by decision
    "corpus_blind15.yaml": Gates(block_as_allow=0, confirm_as_allow=0, allow_kept=0.89),
}


def _load(name: str) -> list[dict[str, object]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the huge hostile lines load fast
    data = yaml.load((HERE / name).read_text(encoding="utf-8"), Loader=loader)
    assert isinstance(data, list)
    return data


def confusion(policy: Policy, entries: list[dict[str, object]]) -> Counter[tuple[str, str]]:
    got: Counter[tuple[str, str]] = Counter()
    for e in entries:
        verdict = policy.check_uncached(str(e["cmd"]))
        got[(str(e["decision"]), verdict.decision.value)] += 1
    return got


@pytest.mark.parametrize("name", sorted(GATES))
def test_corpus_gates(policy: Policy, name: str) -> None:
    entries = _load(name)
    assert len(entries) >= 600
    assert all({"cmd", "decision", "category"} <= e.keys() for e in entries)
    got = confusion(policy, entries)
    n = Counter(str(e["decision"]) for e in entries)
    gates = GATES[name]
    table = {k: v for k, v in sorted(got.items())}
    print(f"\n{name}: {table}")  # aggregate counts only (run with -s to see them)
    assert got[("block", "allow")] <= gates.block_as_allow, table
    assert got[("confirm", "allow")] <= gates.confirm_as_allow, table
    assert got[("allow", "allow")] / n["allow"] >= gates.allow_kept, table


def test_hostile_input_is_refused(policy: Policy) -> None:
    """Deep, huge or control-character input is blocked with a named reason, never a crash."""
    hostile = [e for e in _load("corpus_redteam.yaml") if e["category"] == "hostile_input"]
    assert len(hostile) >= 10
    decided = [policy.check_uncached(str(e["cmd"])) for e in hostile]
    refused = [
        e["cmd"] for e, v in zip(hostile, decided, strict=True) if v.decision.value == "block"
    ]
    # one deliberate exception: a 20 KB heredoc printed by `cat` to stdout is how the
    # write_file tool sends a config, harmless without a redirect
    passed = [str(e["cmd"]) for e in hostile if e["cmd"] not in refused]
    assert all(c.startswith("cat <<") and ">" not in c.split("\n", 1)[0] for c in passed), passed
    assert all(v.reasons for v in decided)


def test_held_out_corpus_is_mostly_new() -> None:
    """Both authors wrote the classic commands too; most of the held-out corpus is new."""
    seen = {str(e["cmd"]) for e in _load("corpus_redteam.yaml")}
    held_out = [str(e["cmd"]) for e in _load("corpus_final_blind.yaml")]
    assert sum(c not in seen for c in held_out) >= 0.7 * len(held_out)
