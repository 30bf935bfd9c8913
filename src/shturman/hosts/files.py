"""Read-only fetching of files and directory trees from servers, for config backups.

:class:`SftpReader` reads over the pooled asyncssh connection of :class:`SshExecutor` (an SFTP
channel on the same connection; no shell command runs), :class:`LocalReader` reads this
machine for the server ``local``; :class:`RoutingReader` picks one per server. Nothing here
writes: a change to a server is a command through the GuardedExecutor.

A tree is walked with ``lstat`` (symlinks are recorded, never followed, except a configured
root that is itself a link). Before a file is read, ``skip(path)`` may refuse it (credential
material, exclude globs); files over ``max_size`` are not read either.
"""

from __future__ import annotations

import asyncio
import os
import posixpath
import stat
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from shturman.domain.backups import (
    EntryKind,
    FetchedFile,
    FetchedTree,
    FileInfo,
    Skipped,
    SkipReason,
)
from shturman.domain.models import Server

SkipRule = Callable[[str], Skipped | None]


class FileReader(Protocol):
    async def home(self, server: Server) -> str: ...

    async def fetch(self, server: Server, path: str, *, skip: SkipRule, max_size: int,
                    max_files: int) -> FetchedTree: ...

    async def close(self) -> None: ...


class ConnectionSource(Protocol):
    """Where pooled connections come from (``SshExecutor.connection``)."""

    async def connection(self, server: Server) -> Any: ...


class _Tree(Protocol):
    """The few read-only calls a walk needs; errors are OSError (FileNotFoundError,
    PermissionError) whatever the transport."""

    async def home(self) -> str: ...
    async def lstat(self, path: str) -> FileInfo: ...
    async def stat(self, path: str) -> FileInfo: ...
    async def listdir(self, path: str) -> list[FileInfo]: ...
    async def readlink(self, path: str) -> str: ...
    async def read(self, path: str, limit: int) -> bytes: ...


async def walk(tree: _Tree, path: str, skip: SkipRule, max_size: int,
               max_files: int) -> FetchedTree:
    """Every file under ``path`` (a file or a directory), read unless refused."""
    root = await _absolute(tree, path)
    try:
        top = await tree.lstat(root)
        if top.kind is EntryKind.SYMLINK:  # a configured root that is a link: follow it
            top = await tree.stat(root)
    except FileNotFoundError:
        return FetchedTree(root, missing=True)
    except OSError as exc:
        return FetchedTree(root, error=_why(exc))
    found: list[FetchedFile] = []
    read = 0
    pending = [top]
    while pending:
        info = pending.pop()
        if info.kind is EntryKind.DIRECTORY:
            try:
                entries = await tree.listdir(info.path)
            except OSError as exc:
                if info.path == root:
                    return FetchedTree(root, error=_why(exc))
                found.append(FetchedFile(info, None, Skipped(info.path, SkipReason.UNREADABLE,
                                                             _why(exc))))
                continue
            pending.extend(sorted(entries, key=lambda e: e.path, reverse=True))
            continue
        if read >= max_files:
            found.append(FetchedFile(info, None, Skipped(info.path, SkipReason.TOO_MANY,
                                                         str(max_files))))
            continue
        fetched = await _one(tree, info, skip, max_size)
        read += fetched.skipped is None
        found.append(fetched)
    return FetchedTree(root, tuple(found))


async def _one(tree: _Tree, info: FileInfo, skip: SkipRule, max_size: int) -> FetchedFile:
    refused = skip(info.path)
    if refused is not None:
        return FetchedFile(info, None, refused)
    if info.kind is EntryKind.SYMLINK:
        try:
            target = await tree.readlink(info.path)
        except OSError as exc:
            return FetchedFile(info, None, Skipped(info.path, SkipReason.UNREADABLE, _why(exc)))
        return FetchedFile(replace(info, target=target), target.encode())
    if info.kind is EntryKind.OTHER:
        return FetchedFile(info, None, Skipped(info.path, SkipReason.SPECIAL))
    if info.size > max_size:
        return FetchedFile(info, None, Skipped(info.path, SkipReason.TOO_LARGE, str(max_size)))
    try:
        data = await tree.read(info.path, max_size + 1)
    except OSError as exc:
        return FetchedFile(info, None, Skipped(info.path, SkipReason.UNREADABLE, _why(exc)))
    if len(data) > max_size:  # it grew while we looked
        return FetchedFile(info, None, Skipped(info.path, SkipReason.TOO_LARGE, str(max_size)))
    return FetchedFile(info, data)


async def _absolute(tree: _Tree, path: str) -> str:
    if path == "~" or path.startswith("~/"):
        path = (await tree.home()).rstrip("/") + path[1:]
    if not path.startswith("/"):
        raise ValueError(f"not an absolute path: {path!r}")
    return posixpath.normpath(path)


def _why(exc: OSError) -> str:
    if isinstance(exc, PermissionError):
        return "permission denied"
    return exc.strerror or str(exc) or type(exc).__name__


def _kind(mode: int) -> EntryKind:
    if stat.S_ISREG(mode):
        return EntryKind.FILE
    if stat.S_ISDIR(mode):
        return EntryKind.DIRECTORY
    if stat.S_ISLNK(mode):
        return EntryKind.SYMLINK
    return EntryKind.OTHER


# ---- over SFTP ----------------------------------------------------------------------------

class SftpReader:
    """Reads over an SFTP channel of the server's pooled SSH connection."""

    def __init__(self, connections: ConnectionSource, *, timeout: float = 30.0) -> None:
        self._connections = connections
        self._timeout = timeout
        self._clients: dict[str, tuple[Any, Any]] = {}  # server → (connection, sftp client)
        self._locks: dict[str, asyncio.Lock] = {}

    async def fetch(self, server: Server, path: str, *, skip: SkipRule, max_size: int,
                    max_files: int) -> FetchedTree:
        sftp = await self._client(server)
        return await walk(_SftpTree(sftp, self._timeout), path, skip, max_size, max_files)

    async def home(self, server: Server) -> str:
        return await _SftpTree(await self._client(server), self._timeout).home()

    async def _client(self, server: Server) -> Any:
        from shturman.hosts.sshlib import asyncssh

        async with self._locks.setdefault(server.name, asyncio.Lock()):
            conn = await self._connections.connection(server)
            known = self._clients.get(server.name)
            if known is not None and known[0] is conn:
                return known[1]
            try:
                async with asyncio.timeout(self._timeout):
                    sftp = await conn.start_sftp_client()
            except (TimeoutError, asyncssh.Error, OSError) as exc:
                from shturman.domain.errors import UnreachableError

                raise UnreachableError(server.name, f"cannot start SFTP: {exc}") from exc
            self._clients[server.name] = (conn, sftp)
            return sftp

    async def close(self) -> None:
        clients = list(self._clients.values())
        self._clients.clear()
        for _conn, sftp in clients:
            sftp.exit()


class _SftpTree:
    def __init__(self, sftp: Any, timeout: float) -> None:
        self._sftp = sftp
        self._timeout = timeout

    async def _call(self, fn: Callable[..., Any], *args: Any) -> Any:
        from shturman.hosts.sshlib import asyncssh

        try:
            async with asyncio.timeout(self._timeout):
                return await fn(*args)
        except asyncssh.SFTPNoSuchFile as exc:
            raise FileNotFoundError(2, exc.reason) from exc
        except asyncssh.SFTPPermissionDenied as exc:
            raise PermissionError(13, exc.reason) from exc
        except asyncssh.SFTPError as exc:
            raise OSError(5, exc.reason) from exc
        except TimeoutError as exc:
            raise OSError(110, f"no answer in {self._timeout:g} s") from exc

    async def home(self) -> str:
        return str(await self._call(self._sftp.realpath, "."))

    async def lstat(self, path: str) -> FileInfo:
        return _sftp_info(path, await self._call(self._sftp.lstat, path))

    async def stat(self, path: str) -> FileInfo:
        return _sftp_info(path, await self._call(self._sftp.stat, path))

    async def listdir(self, path: str) -> list[FileInfo]:
        names = await self._call(self._sftp.readdir, path)
        entries = []
        for name in names:
            filename = _text(name.filename)
            if filename in (".", ".."):
                continue
            owner, group = _names_from_longname(_text(name.longname or ""))
            entries.append(_sftp_info(posixpath.join(path, filename), name.attrs, owner, group))
        return entries

    async def readlink(self, path: str) -> str:
        return _text(await self._call(self._sftp.readlink, path))

    async def read(self, path: str, limit: int) -> bytes:
        async def read() -> bytes:
            async with self._sftp.open(path, "rb") as fh:
                data = await fh.read(limit)
            return bytes(data)

        return bytes(await self._call(read))


def _sftp_info(path: str, attrs: Any, owner: str = "", group: str = "") -> FileInfo:
    perms = attrs.permissions or 0
    return FileInfo(path=path, kind=_kind(perms), mode=stat.S_IMODE(perms),
                    uid=attrs.uid if attrs.uid is not None else -1,
                    gid=attrs.gid if attrs.gid is not None else -1,
                    size=attrs.size or 0, owner=attrs.owner or owner,
                    group=attrs.group or group)


def _names_from_longname(longname: str) -> tuple[str, str]:
    """``-rw-r--r--  1 root root 278 Dec  3 06:09 name`` → ("root", "root")."""
    parts = longname.split()
    return (parts[2], parts[3]) if len(parts) >= 8 else ("", "")


def _text(value: str | bytes) -> str:
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value


# ---- on this machine ----------------------------------------------------------------------

class LocalReader:
    """Reads this machine's files (the server ``local``)."""

    async def home(self, server: Server) -> str:
        return await _LocalTree().home()

    async def fetch(self, server: Server, path: str, *, skip: SkipRule, max_size: int,
                    max_files: int) -> FetchedTree:
        return await walk(_LocalTree(), path, skip, max_size, max_files)

    async def close(self) -> None:
        return None


class _LocalTree:
    async def home(self) -> str:
        return await asyncio.to_thread(os.path.expanduser, "~")

    async def lstat(self, path: str) -> FileInfo:
        return await asyncio.to_thread(_local_info, path, False)

    async def stat(self, path: str) -> FileInfo:
        return await asyncio.to_thread(_local_info, path, True)

    async def listdir(self, path: str) -> list[FileInfo]:
        def listing() -> list[FileInfo]:
            with os.scandir(path) as it:
                names = [entry.path for entry in it]
            return [_local_info(name, False) for name in names]

        return await asyncio.to_thread(listing)

    async def readlink(self, path: str) -> str:
        return await asyncio.to_thread(os.readlink, path)

    async def read(self, path: str, limit: int) -> bytes:
        def read() -> bytes:
            with open(path, "rb") as fh:
                return fh.read(limit)

        return await asyncio.to_thread(read)


def _local_info(path: str, follow: bool) -> FileInfo:
    st = os.stat(path) if follow else os.lstat(path)
    return FileInfo(path=path, kind=_kind(st.st_mode), mode=stat.S_IMODE(st.st_mode),
                    uid=st.st_uid, gid=st.st_gid, size=st.st_size,
                    owner=_user_name(st.st_uid), group=_group_name(st.st_gid))


def _user_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return ""


def _group_name(gid: int) -> str:
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return ""


class RoutingReader:
    """``local`` (and overridden servers) to their reader, every other server over SFTP."""

    def __init__(self, local: FileReader, remote: FileReader,
                 overrides: dict[str, FileReader] | None = None) -> None:
        self._local = local
        self._remote = remote
        self._overrides = dict(overrides or {})

    def _reader(self, server: Server) -> FileReader:
        return self._overrides.get(server.name) or (
            self._local if server.is_local else self._remote)

    async def home(self, server: Server) -> str:
        return await self._reader(server).home(server)

    async def fetch(self, server: Server, path: str, *, skip: SkipRule, max_size: int,
                    max_files: int) -> FetchedTree:
        reader = self._reader(server)
        return await reader.fetch(server, path, skip=skip, max_size=max_size,
                                  max_files=max_files)

    async def close(self) -> None:
        await self._local.close()
        await self._remote.close()


__all__ = ["ConnectionSource", "FileReader", "LocalReader", "RoutingReader", "SftpReader",
           "SkipRule", "walk"]
