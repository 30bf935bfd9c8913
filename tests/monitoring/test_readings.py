"""Thresholds parsed from real command output (recorded on Debian hosts and this machine)."""

from __future__ import annotations

import subprocess

import pytest

from shturman.services.monitoring.readings import (
    disk_reading,
    load_reading,
    memory_reading,
    parse_df,
    parse_meminfo,
)

DF_DEBIAN = """\
Filesystem     1024-blocks     Used Available Capacity Mounted on
udev               4010812        0   4010812       0% /dev
tmpfs               806328     1236    805092       1% /run
/dev/sda1        102687672 95551164   1897308      99% /
tmpfs              4031628        0   4031628       0% /dev/shm
/dev/sdb1        515010816 12345678 476431024       3% /srv/data with space
/dev/loop3           56832    56832         0     100% /snap/core18/2812
"""

DF_CONTAINER = """\
Filesystem              1024-blocks     Used Available Capacity Mounted on
devtmpfs                   12334096        0  12334096       0% /dev
tmpfs                      24683568     1244  24682324       1% /dev/shm
/dev/vda                  264212084 25012780  81378132      24% /
model_tools_unavailable           4        0         4       0% /mnt/sandboxing/x
tmpfs                      12341784        0  12341784       0% /sys/fs/cgroup
"""

MEMINFO = """\
MemTotal:        8048576 kB
MemFree:          204800 kB
MemAvailable:     402428 kB
Buffers:           10240 kB
Cached:           150000 kB
SwapCached:            0 kB
HugePages_Total:       0
"""

MEMINFO_OLD_KERNEL = """\
MemTotal:        1000000 kB
MemFree:          100000 kB
Buffers:           50000 kB
Cached:           250000 kB
"""


def test_df_skips_pseudo_filesystems_and_keeps_spaces_in_mounts() -> None:
    mounts = parse_df(DF_DEBIAN)
    assert [m.mount for m in mounts] == ["/", "/srv/data with space"]
    assert mounts[0].used_percent == 99 and mounts[0].available_kib == 1897308


@pytest.mark.parametrize(("text", "limit", "ok", "value", "shown"), [
    (DF_DEBIAN, 90, False, 99, "/ 99% ≥ 90%"),
    (DF_DEBIAN, 99.5, True, 99, "/ 99% < 99.5%"),
    (DF_CONTAINER, 90, True, 24, "/ 24% < 90%"),
    (DF_CONTAINER, 24, False, 24, "/ 24% ≥ 24%"),
])
def test_disk_threshold(text: str, limit: float, ok: bool, value: float, shown: str) -> None:
    reading = disk_reading(text, limit)
    assert reading is not None
    assert (reading.ok, reading.value, reading.detail) == (ok, value, shown)


def test_disk_without_rows_gives_nothing_to_judge() -> None:
    assert disk_reading("df: /: Permission denied\n", 90) is None
    assert disk_reading("", 90) is None


def test_meminfo_fields() -> None:
    info = parse_meminfo(MEMINFO)
    assert info["MemTotal"] == 8048576 and info["MemAvailable"] == 402428
    assert info["HugePages_Total"] == 0


@pytest.mark.parametrize(("text", "limit", "ok", "value"), [
    (MEMINFO, 90, False, 95.0),
    (MEMINFO, 96, True, 95.0),
    (MEMINFO_OLD_KERNEL, 90, True, 60.0),  # no MemAvailable: free + buffers + cache
    (MEMINFO_OLD_KERNEL, 60, False, 60.0),
])
def test_memory_threshold(text: str, limit: float, ok: bool, value: float) -> None:
    reading = memory_reading(text, limit)
    assert reading is not None
    assert (reading.ok, reading.value) == (ok, value)


def test_memory_unreadable() -> None:
    assert memory_reading("cat: /proc/meminfo: No such file or directory", 90) is None


@pytest.mark.parametrize(("loadavg", "nproc", "limit", "ok", "value"), [
    ("5.00 4.27 3.87 5/163 26535\n", "2\n", 2.0, False, 2.13),
    ("0.15 0.10 0.05 1/120 999\n", "4\n", 2.0, True, 0.03),
    ("9.00 8.00 7.00 3/300 1\n", "8\n", 1.0, False, 1.0),  # at the limit is over it
])
def test_load_per_core(loadavg: str, nproc: str, limit: float, ok: bool, value: float) -> None:
    reading = load_reading(loadavg, nproc, limit)
    assert reading is not None
    assert (reading.ok, reading.value) == (ok, value)
    assert "per core" in reading.detail


@pytest.mark.parametrize(("loadavg", "nproc"), [("", "2"), ("1.0 2.0 3.0", ""),
                                                ("x y z", "2"), ("1 2 3", "bash: nproc")])
def test_load_unreadable(loadavg: str, nproc: str) -> None:
    assert load_reading(loadavg, nproc, 2.0) is None


def test_this_machine_parses() -> None:
    """The live output of this host parses: the parsers follow the real formats."""
    df = subprocess.run(["df", "-P"], capture_output=True, text=True, check=False).stdout
    with open("/proc/meminfo", encoding="ascii") as f:
        meminfo = f.read()
    with open("/proc/loadavg", encoding="ascii") as f:
        loadavg = f.read()
    cores = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout
    assert disk_reading(df, 100) is not None
    assert memory_reading(meminfo, 100) is not None
    assert load_reading(loadavg, cores, 10_000) is not None
