"""Which servers a request targets."""

from __future__ import annotations

import pytest

from shturman.agent.intents import understand
from shturman.agent.intents.servers import stem
from shturman.domain.models import Server, local_server


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("диск на vm1", ("vm1",)),
        ("диск на VM1", ("vm1",)),
        ("диск на проде", ("vm2",)),
        ("диск на прода", ("vm2",)),
        ("диск на продe", ("vm2",)),  # Latin "e" at the end
        ("disk on production", ("vm2",)),
        ("диск на базе", ("db1",)),
        ("диск на первой машине", ("vm1",)),
        ("диск на втором сервере", ("vm2",)),
        ("диск на третьей тачке", ("db1",)),
        ("disk on the second server", ("vm2",)),
        ("диск на первой и второй машине", ("vm1", "vm2")),
        ("диск на 1-м сервере", ("vm1",)),
        ("диск на сервере номер 3", ("db1",)),
        ("диск на последнем сервере", ("db1",)),
        ("диск на обеих машинах", ("vm1", "vm2")),
        ("disk on both servers", ("vm1", "vm2")),
        ("диск на всех серверах", ("vm1", "vm2", "db1")),
        ("диск везде", ("vm1", "vm2", "db1")),
        ("disk on all machines", ("vm1", "vm2", "db1")),
        ("диск на всех web серверах", ("vm2",)),
        ("диск на web-серверах", ("vm2",)),
        ("диск локально", ("local",)),
        ("диск на этой машине", ("local",)),
        ("диск здесь", ("local",)),
        ("disk on localhost", ("local",)),
        ("диск на vm2 и vm1", ("vm1", "vm2")),
        ("диск на 10.0.0.2", ("vm2",)),
        ("диск", ("local",)),
    ],
)
def test_named_targets(text: str, expected: tuple[str, ...], servers: tuple[Server, ...]) -> None:
    assert understand(text, servers).servers == expected


def test_service_owners_are_the_targets(servers: tuple[Server, ...]) -> None:
    assert understand("статус grok-voice", servers).servers == ("vm1",)
    assert understand("статус nginx", servers).servers == ("vm1", "vm2")
    assert understand("статус постгреса", servers).servers == ("db1",)
    assert understand("статус mysql", servers).servers == ("local",)  # nobody owns it


def test_named_server_beats_ownership(servers: tuple[Server, ...]) -> None:
    assert understand("статус nginx на базе", servers).servers == ("db1",)


def test_unknown_servers_are_reported_not_guessed(servers: tuple[Server, ...]) -> None:
    got = understand("перезапусти nginx на db9", servers)
    assert (got.servers, got.unresolved, got.steps) == ((), ("db9",), ())
    assert understand("disk on server foo", servers).unresolved == ("foo",)
    assert understand("аптайм на десятом сервере", servers).route.value == "intent"


def test_single_remote_server_is_the_default() -> None:
    inventory = (local_server(), Server(name="prod", host="203.0.113.10"))
    assert understand("сколько места на диске", inventory).servers == ("prod",)
    assert understand("сколько места локально", inventory).servers == ("local",)


def test_group_words_without_remote_servers_mean_this_machine() -> None:
    assert understand("диск на всех серверах", (local_server(),)).servers == ("local",)


def test_ordinals_count_remote_servers_even_when_local_is_listed_last() -> None:
    inventory = (Server(name="a", host="h1"), Server(name="b", host="h2"), local_server())
    assert understand("uptime второй машины", inventory).servers == ("b",)


def test_russian_stem() -> None:
    assert stem("проде") == stem("прода") == stem("прод") == "прод"
    assert stem("базой") == "баз"


def _fleet(*servers: Server) -> tuple[Server, ...]:
    return (local_server(), *servers)


def test_both_with_two_remote_servers_is_those_two() -> None:
    inv = _fleet(Server(name="web", host="10.0.0.1"), Server(name="db", host="10.0.0.2"))
    assert understand("диск на обеих машинах", inv).servers == ("web", "db")
    assert understand("memory on both servers", inv).servers == ("web", "db")


def test_both_picks_the_servers_the_noun_fits() -> None:
    inv = _fleet(Server(name="prod", host="10.0.0.1"), Server(name="vm-a", host="10.0.0.2",
                                                                aliases=("машина а",)),
                 Server(name="box", host="10.0.0.3", aliases=("вторая машина",)))
    got = understand("диск на обеих машинах", inv)
    assert got.servers == ("vm-a", "box") and got.ask is None


def test_both_picks_the_only_numbered_pair() -> None:
    inv = _fleet(Server(name="prod", host="10.0.0.1"), Server(name="web1", host="10.0.0.2"),
                 Server(name="web2", host="10.0.0.3"))
    assert understand("uptime на обоих серверах", inv).servers == ("web1", "web2")


def test_both_asks_when_the_inventory_does_not_decide() -> None:
    inv = _fleet(Server(name="prod", host="10.0.0.1"), Server(name="stage", host="10.0.0.2"),
                 Server(name="ci", host="10.0.0.3"))
    got = understand("диск на обеих машинах", inv)
    assert got.servers == () and got.steps == ()
    assert got.ask is not None and got.ask.candidates == ("prod", "stage", "ci")


def test_numbers_go_to_the_name_that_carries_them() -> None:
    inv = _fleet(Server(name="prod", host="10.0.0.1"), Server(name="stage", host="10.0.0.2"),
                 Server(name="vm1", host="10.0.0.3"), Server(name="vm2", host="10.0.0.4"))
    assert understand("диск на второй машине", inv).servers == ("vm2",)
    assert understand("disk on machine 1", inv).servers == ("vm1",)
    assert understand("диск на третьем сервере", inv).servers == ("vm1",)  # inventory order


def test_selectors_do_not_pull_in_other_servers(servers: tuple[Server, ...]) -> None:
    assert understand("диск на всех @web", servers).servers == ("vm2",)
    assert understand("disk on host:db1", servers).servers == ("db1",)
    assert understand("disk on @vm1", servers).servers == ("vm1",)
    assert understand("disk on tag:nosuch", servers).unresolved == ("nosuch",)
