"""Parsers of what the checks read on a server (pure, tested from recorded output): `df -P`,
`/proc/meminfo`, `/proc/loadavg` with `nproc`, and the thresholds they are judged by."""

from __future__ import annotations

from dataclasses import dataclass

# pseudo and read-only image filesystems are never "full" in a way anyone can fix
_PSEUDO = ("tmpfs", "devtmpfs", "udev", "none", "shm", "overlay-ro", "squashfs", "efivarfs")
_PSEUDO_ROOTS = ("/dev", "/run", "/sys", "/proc", "/snap")


@dataclass(frozen=True, slots=True)
class Mount:
    filesystem: str
    mount: str
    used_percent: int
    size_kib: int
    available_kib: int


@dataclass(frozen=True, slots=True)
class Reading:
    """A measured value judged against its limit: ``ok`` is ``value < limit``."""

    value: float
    limit: float
    detail: str

    @property
    def ok(self) -> bool:
        return self.value < self.limit


def parse_df(text: str) -> list[Mount]:
    """Rows of `df -P` (POSIX format: one line per filesystem, the mount point may contain
    spaces), minus pseudo filesystems and unsized ones."""
    mounts: list[Mount] = []
    for line in text.splitlines()[1:]:
        cols = line.split()
        if len(cols) < 6 or not cols[4].endswith("%") or not cols[4][:-1].isdigit():
            continue
        fs, size, _used, avail, pct = cols[:5]
        mount = " ".join(cols[5:])
        if not size.isdigit() or not avail.isdigit() or int(size) == 0:
            continue
        if fs in _PSEUDO or any(mount == r or mount.startswith(r + "/") for r in _PSEUDO_ROOTS):
            continue
        mounts.append(Mount(fs, mount, int(pct[:-1]), int(size), int(avail)))
    return mounts


def disk_reading(text: str, limit: float) -> Reading | None:
    """The fullest filesystem against ``limit`` percent; None when `df` showed none."""
    mounts = parse_df(text)
    if not mounts:
        return None
    fullest = max(mounts, key=lambda m: m.used_percent)
    over = [m for m in mounts if m.used_percent >= limit]
    shown = over or [fullest]
    detail = ", ".join(f"{m.mount} {m.used_percent}%" for m in shown[:5])
    sign = "≥" if over else "<"
    return Reading(float(fullest.used_percent), limit, f"{detail} {sign} {limit:g}%")


def parse_meminfo(text: str) -> dict[str, int]:
    """`/proc/meminfo` as field → kB."""
    found: dict[str, int] = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            found[name.strip()] = int(parts[0])
    return found


def memory_reading(text: str, limit: float) -> Reading | None:
    """Percent of MemTotal not available (MemAvailable; old kernels: free + buffers +
    cache) against ``limit``."""
    info = parse_meminfo(text)
    total = info.get("MemTotal", 0)
    if total <= 0:
        return None
    available = info.get("MemAvailable")
    if available is None:
        available = info.get("MemFree", 0) + info.get("Buffers", 0) + info.get("Cached", 0)
    used = round(100.0 * (1 - min(available, total) / total), 1)
    sign = "≥" if used >= limit else "<"
    return Reading(used, limit, f"{used:g}% {sign} {limit:g}% "
                                f"({available // 1024} MiB available of {total // 1024} MiB)")


LOAD_FIELDS = {1: 0, 5: 1, 15: 2}  # minutes → field of /proc/loadavg


def load_reading(loadavg: str, nproc: str, limit: float, *, minutes: int = 5
                 ) -> Reading | None:
    """The ``minutes`` (1, 5 or 15) load average per core (`/proc/loadavg`, `nproc`) against
    ``limit``; the detail shows the 5- and 15-minute ones. The checks judge the 15-minute
    average: a build or a test run lifts the 5-minute one for a while, only load that lasts
    moves the 15-minute one (and the check goes down only after
    ``monitoring.load_readings`` such readings in a row)."""
    fields = loadavg.split()
    cores_text = nproc.strip().splitlines()[0].strip() if nproc.strip() else ""
    try:
        judged = float(fields[LOAD_FIELDS[minutes]])
        five, fifteen = float(fields[1]), float(fields[2])
        cores = max(1, int(cores_text))
    except (IndexError, ValueError):
        return None
    per_core = round(judged / cores, 2)
    sign = "≥" if per_core >= limit else "<"
    return Reading(per_core, limit, f"{per_core:g} per core {sign} {limit:g} "
                                    f"({minutes} min; 5 min {five:g}, 15 min {fifteen:g}, "
                                    f"{cores} cores)")
