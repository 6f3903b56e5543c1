"""CPU time of a set of processes over a window, read from /proc/<pid>/stat.

The figure is the CPU the processes spent inside the window: user + system time (utime + stime), plus the
time of their children that they have waited for (cutime + cstime). Processes are followed by sampling
(at the start, every half second, and at the end), and each one is identified by its pid *and* its start
time, so a recycled pid is never mistaken for the same process. How each case is counted:

- present at the start and at the end: its CPU at the end minus its CPU at the start;
- started during the window (its start time is after the window opened): all its CPU, from zero: the
  window paid for it, connection set-up included;
- first seen during the window although it started before (a PostgreSQL backend that had not yet shown in
  pg_stat_activity at the first sample): from first sight;
- ended during the window: if its parent is followed (a gunicorn worker, whose master waits for it), the
  parent's children time has grown by the whole of its CPU, so only its CPU before the window is taken off;
  otherwise (a PostgreSQL backend, whose postmaster serves others too) its CPU up to its last sample, and
  the report counts such processes, since up to one sampling interval of each one's CPU is missed.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcCpu:
    pid: int
    ppid: int
    start: int  # start time, clock ticks after boot (with the pid, it names one process)
    own: int  # utime + stime, clock ticks
    children: int  # cutime + cstime: children it has waited for, clock ticks

    @property
    def key(self) -> tuple[int, int]:
        return (self.pid, self.start)

    @property
    def total(self) -> int:
        return self.own + self.children


def parse_stat(text: str) -> ProcCpu:
    """One /proc/<pid>/stat line (see proc(5)); the command name may hold spaces and brackets."""
    pid = int(text[: text.index(" ")])
    fields = text[text.rindex(")") + 2 :].split()  # fields[0] is field 3 (state)
    return ProcCpu(
        pid=pid,
        ppid=int(fields[1]),
        start=int(fields[19]),
        own=int(fields[11]) + int(fields[12]),
        children=int(fields[13]) + int(fields[14]),
    )


def read(pid: int) -> ProcCpu | None:
    try:
        return parse_stat(Path(f"/proc/{pid}/stat").read_text())
    except (OSError, ValueError, IndexError):
        return None  # gone


def read_many(pids: Iterable[int]) -> list[ProcCpu]:
    return [p for p in (read(pid) for pid in pids) if p is not None]


def tree(root: int) -> list[ProcCpu]:
    """A process and its direct children (gunicorn's master and its workers)."""
    procs = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            proc = read(int(entry.name))
            if proc is not None and (proc.pid == root or proc.ppid == root):
                procs.append(proc)
    return procs


def uptime_ticks() -> int:
    return int(float(Path("/proc/uptime").read_text().split()[0]) * CLK_TCK)


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already inside user time
    return total - idle, total


def self_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuWindow:
    """The CPU of a changing set of processes over one window (see the module's docstring for the rules)."""

    opened_at: int = 0  # uptime ticks when the window opened
    first: dict[tuple[int, int], ProcCpu] = field(default_factory=dict)
    last: dict[tuple[int, int], ProcCpu] = field(default_factory=dict)
    at_start: set[tuple[int, int]] = field(default_factory=set)
    at_end: set[tuple[int, int]] = field(default_factory=set)
    parent_followed: bool = False  # True when the followed processes include the parent that waits for them

    def open(self, procs: Iterable[ProcCpu], *, opened_at: int | None = None) -> None:
        self.opened_at = uptime_ticks() if opened_at is None else opened_at
        procs = list(procs)
        self.observe(procs)
        self.at_start = {p.key for p in procs}

    def observe(self, procs: Iterable[ProcCpu]) -> None:
        for p in procs:
            self.first.setdefault(p.key, p)
            self.last[p.key] = p

    def close(self, procs: Iterable[ProcCpu]) -> None:
        procs = list(procs)
        self.observe(procs)
        self.at_end = {p.key for p in procs}

    def _baseline(self, key: tuple[int, int]) -> int:
        if key not in self.at_start and key[1] >= self.opened_at:
            return 0  # started inside the window: all of its CPU is the window's
        return self.first[key].total

    def ticks(self) -> int:
        followed = {p.pid for k, p in self.last.items() if k in self.at_end}
        total = 0
        for key, last in self.last.items():
            if key in self.at_end:
                total += last.total - self._baseline(key)
            elif self.parent_followed and last.ppid in followed:
                total -= self._baseline(key)  # its parent's children time holds all of it
            else:
                total += last.total - self._baseline(key)
        return total

    def seconds(self) -> float:
        return self.ticks() / CLK_TCK

    def summary(self) -> dict[str, int]:
        return {
            "processes": len(self.last),
            "at_start": len(self.at_start),
            "started_inside": sum(1 for k in self.last if k not in self.at_start and k[1] >= self.opened_at),
            "first_seen_inside": sum(1 for k in self.last if k not in self.at_start and k[1] < self.opened_at),
            "ended_inside": sum(1 for k in self.last if k not in self.at_end),
        }
