"""A repair request that names the unit and, in its symptom, the program behind it.

"status-proxy.service не стартует, nginx ругается на конфиг. Почини": the unit written out as a
unit (``NAME.service``) and complained about is what to repair; a service name that only comes
after that complaint is the program behind it. Two names joined as objects of the fix ("почини
nginx и foo.service") still name two services, which the engine does not guess between.
"""

from __future__ import annotations

import pytest

from shturman.agent.intents import understand
from shturman.domain.models import Server

SERVERS = (
    Server(name="edge1", host="10.0.0.7", services=("status-proxy", "acme-ledger")),
    Server(name="web2", host="10.0.0.8", services=("nginx", "billing-relay")),
)


@pytest.mark.parametrize(("text", "service"), [
    ("status-proxy.service на edge1 не стартует, nginx ругается на конфиг. Почини",
     "status-proxy"),
    ("status-proxy.service on edge1 fails to start, nginx complains about its config. Fix it",
     "status-proxy"),
    ("acme-ledger.service на edge1 лежит: redis пишет ошибки в лог, почини", "acme-ledger"),
])
def test_the_unit_complained_about_is_repaired(text: str, service: str) -> None:
    u = understand(text, SERVERS)
    assert (u.route.value, u.intent, u.args.service, u.servers) == (
        "intent", "service_repair", service, ("edge1",))


@pytest.mark.parametrize("text", [
    "почини nginx и acme-ledger.service на edge1, они лежат",
    "почини acme-ledger.service и nginx на edge1, они лежат",
    "status-proxy.service и nginx на edge1 — посмотри логи",
])
def test_two_named_objects_are_not_narrowed_to_one(text: str) -> None:
    u = understand(text, SERVERS)
    assert u.intent != "service_repair" or u.args.service is None, (u.intent, u.args)
