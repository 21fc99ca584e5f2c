"""The benchmark table: statistics, budgets, the machine, and the Markdown file."""

from __future__ import annotations

import math
import os
import platform
import sqlite3
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MILLION = 1_000_000


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def p95(values: Sequence[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass(frozen=True, slots=True)
class Budget:
    """A limit at 100k and at 1M works (None: no budget at that size)."""

    at_100k: float | None
    at_1m: float | None
    unit: str  # "s", "ms", "MB", "records/s"
    at_least: bool = False  # throughput: the measured value must reach the limit

    def limit(self, works: int) -> float | None:
        return self.at_1m if works >= MILLION else self.at_100k

    def text(self, works: int) -> str:
        limit = self.limit(works)
        if limit is None:
            return "-"
        return f"{'>= ' if self.at_least else ''}{fmt(limit)} {self.unit}"

    def met(self, value: float, works: int) -> bool | None:
        limit = self.limit(works)
        if limit is None or math.isnan(value):
            return None
        return value >= limit if self.at_least else value <= limit


@dataclass(frozen=True, slots=True)
class Row:
    figure: str
    measured: str
    budget: str
    met: bool | None
    note: str = ""


def row(
    figure: str, value: float, budget: Budget, works: int, *, shown: str = "", note: str = ""
) -> Row:
    measured = shown or f"{fmt(value)} {budget.unit}"
    return Row(figure, measured, budget.text(works), budget.met(value, works), note)


def fmt(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def verdict(met: bool | None) -> str:
    return {True: "yes", False: "NO", None: "-"}[met]


# -- the machine --------------------------------------------------------------------------
def _proc_value(path: str, key: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def machine() -> dict[str, str]:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    memory_kb = _proc_value("/proc/meminfo", "MemTotal").split()[0]
    ram = f"{int(memory_kb) / 1024**2:.1f} GiB" if memory_kb.isdigit() else memory_kb
    return {
        "CPU": _proc_value("/proc/cpuinfo", "model name"),
        "cores": str(os.cpu_count()),
        "RAM": ram,
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "Qt / PySide6": f"{qVersion()} / {pyside_version}",
        "SQLite": sqlite3.sqlite_version,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


# -- output -------------------------------------------------------------------------------
HEADER = ("figure", "measured", "budget", "met?")


def text_table(rows: Sequence[Row]) -> str:
    cells = [HEADER] + [(r.figure, r.measured, r.budget, verdict(r.met)) for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(HEADER))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(
    rows: Sequence[Row], *, works: int, command: str, notes: Sequence[str], host: dict[str, str]
) -> str:
    lines = [
        f"# exodesk benchmarks: {works:,} works",
        "",
        f"Command: `{command}`",
        "",
        "| figure | measured | budget | met? | notes |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r.figure} | {r.measured} | {r.budget} | {verdict(r.met)} | {r.note} |" for r in rows
    ]
    lines += ["", "## Notes", ""] + [f"- {note}" for note in notes]
    lines += ["", "## Machine", ""] + [f"- {key}: {value}" for key, value in host.items()]
    return "\n".join(lines) + "\n"


def write_markdown(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
