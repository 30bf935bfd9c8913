"""An edited server does not go on using the SSH connection opened with its old credentials:
the web edit drops the pooled connection, so «test connection» logs in with the new key (real
sshd host lab)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from shturman.hosts.sshlib import asyncssh
from tests.hostlab.lab import HostLab
from tests.web.conftest import Session

SignIn = Callable[[str], Awaitable[Session]]


def _form(s: Session, **values: Any) -> dict[str, str]:
    return {"csrf_token": s.csrf, "port": "22", "auth": "key", "profile": "operator",
            **{k: str(v) for k, v in values.items()}}


async def test_a_new_key_is_used_by_the_next_test_connection(
        sign_in: SignIn, container: Any, hostlab: HostLab) -> None:
    h = hostlab.hosts[2]
    anna = await sign_in("anna")
    added = await anna.client.post("/servers/new", data=_form(
        anna, name="lab3", host=h.host, port=h.port, user=h.user,
        private_key=hostlab.client_key.read_text()))
    assert added.status_code == 303, added.text
    first = await anna.client.post("/servers/lab3/test", data={"csrf_token": anna.csrf})
    assert first.status_code == 200 and "Подключение к lab3 работает." in first.text

    # a key the host does not know: the test must log in with it, and fail
    new_key = asyncssh.generate_private_key("ssh-ed25519")
    new_text = new_key.export_private_key().decode()
    edited = await anna.client.post("/servers/lab3/edit", data=_form(
        anna, host=h.host, port=h.port, user=h.user, private_key=new_text))
    assert edited.status_code == 303, edited.text
    refused = await anna.client.post("/servers/lab3/test", data={"csrf_token": anna.csrf})
    assert refused.status_code >= 400, refused.text
    assert "работает" not in refused.text and "lab3" in refused.text

    # the host learns the new key: the next test logs in with it
    authorized = h.home / ".ssh/authorized_keys"
    before = authorized.read_text()
    public = new_key.export_public_key().decode().strip()
    try:
        wrote = h.run_as(f"echo '{public}' >> ~/.ssh/authorized_keys")
        assert wrote.returncode == 0, wrote.stderr
        works = await anna.client.post("/servers/lab3/test", data={"csrf_token": anna.csrf})
        assert works.status_code == 200 and "работает" in works.text, works.text
        # and the old key is no longer what logs in: take the new one away again
        h.run_as(f"printf '%s' '{before}' > ~/.ssh/authorized_keys")
        edited = await anna.client.post("/servers/lab3/edit", data=_form(
            anna, host=h.host, port=h.port, user=h.user, aliases="третья"))
        assert edited.status_code == 303  # no secret given: the new key stays, pool dropped
        gone = await anna.client.post("/servers/lab3/test", data={"csrf_token": anna.csrf})
        assert gone.status_code >= 400 and "работает" not in gone.text
    finally:
        h.run_as(f"printf '%s' '{before}' > ~/.ssh/authorized_keys")
    assert authorized.read_text() == before
    removed = await anna.client.post("/servers/lab3/delete", data={"csrf_token": anna.csrf})
    assert removed.status_code == 303
