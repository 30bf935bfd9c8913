"""Servers registered with `server add`, their pinned host keys and encrypted credentials."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shturman.domain.errors import ServerExistsError
from shturman.domain.models import Server, server_fields, server_from_fields
from shturman.store import tables as t
from shturman.store.repositories._time import now


class ServerRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def add(self, server: Server) -> None:
        values = server_fields(server)
        values["created_at"] = now()
        try:
            async with self._engine.begin() as conn:
                await conn.execute(insert(t.servers).values(**values))
        except IntegrityError as exc:
            raise ServerExistsError(server.name) from exc

    async def update(self, server: Server) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(t.servers)
                .where(t.servers.c.name == server.name)
                .values(**server_fields(server))
            )

    async def host_key(self, name: str) -> tuple[str, str] | None:
        """The pinned (key line, fingerprint) of a server, if any."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(t.host_keys.c.key_line, t.host_keys.c.fingerprint).where(
                        t.host_keys.c.server == name
                    )
                )
            ).first()
        return None if row is None else (row[0], row[1])

    async def pin_host_key(
        self, name: str, host: str, port: int, key_line: str, fingerprint: str
    ) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(delete(t.host_keys).where(t.host_keys.c.server == name))
            await conn.execute(
                insert(t.host_keys).values(
                    server=name,
                    host=host,
                    port=port,
                    key_line=key_line,
                    fingerprint=fingerprint,
                    pinned_at=now(),
                )
            )

    async def forget_host_key(self, name: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(delete(t.host_keys).where(t.host_keys.c.server == name))

    async def get(self, name: str) -> Server | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(select(t.servers).where(t.servers.c.name == name))
            ).first()
        return None if row is None else server_from_fields(row._mapping)

    async def list(self) -> list[Server]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(t.servers).order_by(t.servers.c.id))).all()
        return [server_from_fields(r._mapping) for r in rows]

    async def remove(self, name: str) -> bool:
        async with self._engine.begin() as conn:
            result = await conn.execute(delete(t.servers).where(t.servers.c.name == name))
        return bool(result.rowcount)


class CredentialRepo:
    """Encrypted blobs only; implements vault.SecretStore."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def put(self, server: str, kind: str, blob: bytes) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(t.credentials).where(
                    (t.credentials.c.server == server) & (t.credentials.c.kind == kind)
                )
            )
            await conn.execute(
                insert(t.credentials).values(
                    server=server, kind=kind, blob=blob, updated_at=now()
                )
            )

    async def get(self, server: str, kind: str) -> bytes | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    select(t.credentials.c.blob).where(
                        (t.credentials.c.server == server) & (t.credentials.c.kind == kind)
                    )
                )
            ).first()
        return None if row is None else bytes(row[0])

    async def all_blobs(self) -> list[tuple[str, str, bytes]]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(t.credentials.c.server, t.credentials.c.kind, t.credentials.c.blob)
                )
            ).all()
        return [(r[0], r[1], bytes(r[2])) for r in rows]

    async def delete_for(self, server: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(delete(t.credentials).where(t.credentials.c.server == server))
