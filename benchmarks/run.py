"""Measure every figure of the performance budget (issue #5) and print one table.

``python -m benchmarks.run --works 100000 [--runs 5] [--only figure,...]``

The library for the size is generated once (``benchmarks.generate``) and reused; a working
copy takes every change a benchmark makes (tags, citation keys, merges), so the generated
library stays as it was. GUI figures run on the real ``MainWindow`` (offscreen); start-up
and open are separate processes (``benchmarks.first_paint``). Timings are reported, never
asserted. The table is also written to ``benchmarks/results-<N>.md``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks import gui, report, transfer
from benchmarks.corpus import search_queries
from benchmarks.generate import DEFAULT_SEED, generate, library_path
from benchmarks.report import Budget, Row, median, p95, row

if TYPE_CHECKING:
    from exodesk.storage.library import Library
    from exodesk.ui.main_window import MainWindow

HERE = Path(__file__).resolve().parent
TAG_COUNT = 10_000
BIBLIOGRAPHY_RECORDS = 1_000
STALL_RECORDS = 100_000

BUDGETS = {
    "startup": Budget(1.0, None, "s"),
    "open": Budget(1.0, 2.0, "s"),
    "search": Budget(30, 150, "ms"),
    "sort": Budget(200, 1000, "ms"),
    "scroll": Budget(50, 50, "ms"),
    "tag": Budget(0.5, 0.5, "s"),
    "import": Budget(5000, 5000, "records/s", at_least=True),
    "export": Budget(20000, 20000, "records/s", at_least=True),
    "bibliography": Budget(500, None, "records/s", at_least=True),
    "memory": Budget(300, 600, "MB"),
    "stall": Budget(50, None, "ms"),
}
FIGURES = tuple(BUDGETS)


@dataclass
class Context:
    works: int
    seed: int
    runs: int
    out: Path
    import_records: int
    export_records: int
    stall_records: int
    profile: bool
    import_runs: int
    notes: list[str] = field(default_factory=list)

    @cached_property
    def pristine(self) -> Path:
        path = library_path(self.out, self.works)
        if not path.exists():
            generate(self.works, self.seed, self.out, files_limit=0)
        return path

    @cached_property
    def work_copy(self) -> Path:
        return transfer.fresh_copy(self.pristine, self.out / f"work-{self.works}.sqlite")

    @cached_property
    def seed_only(self) -> Path:
        """A library holding just the embedded seed (what a new user starts with)."""
        from exodesk.app import open_library

        path = self.out / "seed-only.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        open_library(path).close()
        return path

    @cached_property
    def library(self) -> Library:
        from exodesk.app import open_library

        return open_library(self.work_copy)

    @cached_property
    def window(self) -> MainWindow:
        from exodesk.app import _application, build_main_window

        _application()
        window = build_main_window(self.library, restore=False)
        gui.show(window)
        return window

    @cached_property
    def first_paint_runs(self) -> list[dict[str, float]]:
        return [first_paint(self.pristine) for _ in range(self.runs)]


# -- process start to first paint -----------------------------------------------------------
def first_paint(library: Path) -> dict[str, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    # Settings, logs and caches of a first start, never the user's own.
    home = Path(tempfile.mkdtemp(prefix="exodesk-bench-home-"))
    for name in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        env[name] = str(home / name.lower())
    command = [sys.executable, "-m", "benchmarks.first_paint", "--library", str(library)]
    t0 = time.time()
    done = subprocess.run(
        [*command, "--t0", repr(t0)],
        env=env,
        cwd=HERE.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"first_paint failed: {done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(lines[-1])
    return result


def measure_startup(ctx: Context) -> list[Row]:
    seconds = []
    with tempfile.TemporaryDirectory(prefix="exodesk-bench-") as folder:
        for run in range(ctx.runs):
            seconds.append(first_paint(Path(folder) / f"new-{run}.sqlite")["first_paint_s"])
    return [
        row(
            "start-up, embedded library (first paint)",
            median(seconds),
            BUDGETS["startup"],
            ctx.works,
            note=_spread(seconds, "s"),
        )
    ]


def measure_open(ctx: Context) -> list[Row]:
    seconds = [run["first_paint_s"] for run in ctx.first_paint_runs]
    return [
        row(
            "open a library (process start to first paint)",
            median(seconds),
            BUDGETS["open"],
            ctx.works,
            note=_spread(seconds, "s"),
        )
    ]


def measure_memory(ctx: Context) -> list[Row]:
    sizes = [run["rss_mb"] for run in ctx.first_paint_runs]
    return [
        row(
            "resident memory, table open and scrolled",
            median(sizes),
            BUDGETS["memory"],
            ctx.works,
            note=_spread(sizes, "MB"),
        )
    ]


# -- in the window ------------------------------------------------------------------------
def measure_search(ctx: Context) -> list[Row]:
    queries = search_queries(ctx.seed)
    runs = [gui.search_times(ctx.window, queries) for _ in range(ctx.runs)]
    times = [seconds * 1000 for run in runs for seconds, _rows in run]
    per_query = sorted(
        (
            (median([run[i][0] * 1000 for run in runs]), queries[i], runs[0][i][1])
            for i in range(len(queries))
        ),
        reverse=True,
    )
    slowest = "; ".join(f"'{q}' {ms:.0f} ms ({n:,} rows)" for ms, q, n in per_query[:3])
    return [
        row(
            "search as you type, 50 queries, p95",
            p95(times),
            BUDGETS["search"],
            ctx.works,
            shown=f"p95 {p95(times):.1f} ms, median {median(times):.1f} ms",
            note=f"{len(times)} searches; slowest (median): {slowest}",
        )
    ]


def measure_sort(ctx: Context) -> list[Row]:
    runs = [gui.sort_times(ctx.window) for _ in range(ctx.runs)]
    names = [name for _key, name in ctx.window.works_model.COLUMNS]
    medians = {key: median([r[key] * 1000 for r in runs]) for key in runs[0]}
    (column, order), worst = max(medians.items(), key=lambda item: item[1])
    by_column = ", ".join(
        f"{names[c]} {max(medians[(c, 'asc')], medians[(c, 'desc')]):.0f}"
        for c in range(len(names))
    )
    return [
        row(
            "sort the table by any column (worst column)",
            worst,
            BUDGETS["sort"],
            ctx.works,
            shown=f"{worst:.0f} ms ({names[column]}, {order})",
            note=f"median per column, ms: {by_column}",
        )
    ]


def measure_scroll(ctx: Context) -> list[Row]:
    runs = [[f * 1000 for f in gui.scroll_frames(ctx.window)] for _ in range(ctx.runs)]
    worst = [max(frames) for frames in runs]
    every = [f for frames in runs for f in frames]
    return [
        row(
            "scroll to the end and back (slowest frame)",
            median(worst),
            BUDGETS["scroll"],
            ctx.works,
            note=f"{len(every)} frames; median frame {median(every):.1f} ms, "
            f"worst of all runs {max(worst):.1f} ms",
        )
    ]


def measure_tag(ctx: Context) -> list[Row]:
    count = min(TAG_COUNT, ctx.works)
    stamp = time.strftime("%H%M%S")
    seconds = [gui.tag_time(ctx.window, f"bench {stamp} {run}", count) for run in range(ctx.runs)]
    return [
        row(
            f"tag {count:,} selected works",
            median(seconds),
            BUDGETS["tag"],
            ctx.works,
            note=_spread(seconds, "s"),
        )
    ]


def measure_stall(ctx: Context) -> list[Row]:
    count = min(ctx.stall_records, ctx.works)
    path = transfer.record_files(ctx.out, ctx.seed, count)["ris"]
    target = transfer.fresh_copy(ctx.seed_only, ctx.out / "stall.sqlite")
    from exodesk.app import _application, build_main_window

    _application()
    library = _open(target)
    window = build_main_window(library, restore=False)
    gui.show(window)
    try:
        result = gui.import_stalls(window, path)
    finally:
        window.close()
        library.close()
    worst = max(result.max_gap_during, result.max_gap_after) * 1000
    return [
        row(
            f"GUI event-loop stall during a {count:,}-record RIS import",
            worst,
            BUDGETS["stall"],
            ctx.works,
            shown=f"max gap {worst:.0f} ms",
            note=f"1 run; import {result.seconds:.0f} s ({result.outcome}); max gap while "
            f"importing {result.max_gap_during * 1000:.0f} ms, while the views refresh "
            f"after it {result.max_gap_after * 1000:.0f} ms; heartbeat "
            f"{gui.HEARTBEAT_MS} ms",
        )
    ]


# -- import and export --------------------------------------------------------------------
def measure_import(ctx: Context) -> list[Row]:
    count = min(ctx.import_records, ctx.works)
    files = transfer.record_files(ctx.out, ctx.seed, count)
    rows = []
    for name, path in files.items():
        label = transfer.LABELS[name]
        for into, template in (("new works", ctx.seed_only), ("all duplicates", ctx.work_copy)):
            runs = [_one_import(ctx, template, path, into) for _ in range(ctx.import_runs)]
            rates = [count / r.seconds for r in runs]
            last = runs[-1]
            rows.append(
                row(
                    f"import {label}, {into}",
                    median(rates),
                    BUDGETS["import"],
                    ctx.works,
                    note=f"{count:,} records; added {last.added:,}, merged "
                    f"{last.merged:,}, skipped {last.skipped:,}; "
                    f"{median([r.seconds for r in runs]):.1f} s",
                )
            )
    return rows


def _one_import(ctx: Context, template: Path, path: Path, into: str) -> transfer.ImportRun:
    if into == "new works":
        target = transfer.fresh_copy(template, ctx.out / "import-target.sqlite")
    else:
        target = template  # the working copy: every record merges into its work
    return transfer.timed_import(target, path)


def measure_export(ctx: Context) -> list[Row]:
    """The first export gives most works their citation key (stored); later ones reuse it."""
    ids = transfer.first_citing_ids(ctx.library, min(ctx.export_records, ctx.works))
    first = transfer.timed_export(ctx.library, ids)
    runs = [transfer.timed_export(ctx.library, ids) for _ in range(ctx.runs)]
    collect = median([r.collect_seconds for r in runs])
    rows = []
    for name in transfer.EXPORT_FORMATS:
        seconds = [r.collect_seconds + r.render_seconds[name] for r in runs]
        render_only = median([r.render_seconds[name] for r in runs])
        note = f"{len(ids):,} records, keys stored; collect_entries {collect:.1f} s + render "
        rows.append(
            row(
                f"export {transfer.LABELS[name]}",
                len(ids) / median(seconds),
                BUDGETS["export"],
                ctx.works,
                note=note + f"{render_only:.1f} s",
            )
        )
    seconds = first.collect_seconds + first.render_seconds["bibtex"]
    rows.append(
        row(
            "export BibTeX, first time (citation keys assigned)",
            len(ids) / seconds,
            BUDGETS["export"],
            ctx.works,
            note=f"1 run; collect_entries {first.collect_seconds:.1f} s (assigns and stores "
            f"the keys) + render {first.render_seconds['bibtex']:.1f} s",
        )
    )
    return rows


def measure_bibliography(ctx: Context) -> list[Row]:
    ids = transfer.first_citing_ids(ctx.library, min(BIBLIOGRAPHY_RECORDS, ctx.works))
    seconds = [transfer.timed_bibliography(ctx.library, ids) for _ in range(ctx.runs)]
    return [
        row(
            "formatted bibliography (CSL, APA, text)",
            len(ids) / median(seconds),
            BUDGETS["bibliography"],
            ctx.works,
            note=f"{len(ids):,} records; {_spread(seconds, 's')}",
        )
    ]


MEASURES: dict[str, Callable[[Context], list[Row]]] = {
    "startup": measure_startup,
    "open": measure_open,
    "search": measure_search,
    "sort": measure_sort,
    "scroll": measure_scroll,
    "tag": measure_tag,
    "import": measure_import,
    "export": measure_export,
    "bibliography": measure_bibliography,
    "memory": measure_memory,
    "stall": measure_stall,
}


# -- helpers ------------------------------------------------------------------------------
def _open(path: Path) -> Library:
    from exodesk.app import open_library

    return open_library(path)


def _spread(values: Sequence[float], unit: str) -> str:
    return f"{len(values)} runs, {min(values):.2f}-{max(values):.2f} {unit}"


def _profiled(ctx: Context, name: str, measure: Callable[[Context], list[Row]]) -> list[Row]:
    if not ctx.profile:
        return measure(ctx)
    profiler = cProfile.Profile()
    rows = profiler.runcall(measure, ctx)
    stem = ctx.out / f"profile-{name}-{ctx.works}"
    profiler.dump_stats(f"{stem}.prof")
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(40)
    Path(f"{stem}.txt").write_text(text.getvalue(), encoding="utf-8")
    return rows


def _notes(ctx: Context) -> list[str]:
    return [
        f"Library: {ctx.works:,} generated journal articles (seed {ctx.seed}) plus the embedded "
        "seed (the tracked review and its 5 citing articles); every generated work cites "
        "the review, so the default table (Citing articles) shows them all.",
        f"Median of {ctx.runs} runs unless said otherwise; p95 is nearest-rank over every "
        "search of every run. Budgets are the 1M column from 1,000,000 works on, the 100k "
        "column below.",
        "Start-up and open: a new process (`benchmarks/first_paint.py`) that runs "
        "`exodesk.app.run_gui` (logging, single-instance guard, theme, library, window), from "
        "the parent's clock just before it started to the first paint of the works table's "
        "viewport (offscreen), with fresh settings and log folders; resident memory is "
        "VmRSS of that process after the table was painted and scrolled to the end and back.",
        "Search: `search.setText` then the debounced slot `apply_search()` and the first "
        "page of rows (`index(0, 0).data()`); the 150 ms debounce itself is not counted. "
        "Sort: `table.sortByColumn` (what a header click does) and the first page. Scroll: "
        "`scrollToBottom`/`scrollToTop` and 40 scroll-bar steps each way, each followed by a "
        "synchronous `viewport().repaint()`. Tag: rows selected first (untimed), then "
        "`work_actions.tag(name)` with a new tag and `processEvents()`.",
        f"Import: `exodesk.importer.import_files` with duplicate detection and "
        f"`cites_review=True`, {min(ctx.import_records, ctx.works):,} records per file "
        f"(capped by --import-records), median of {ctx.import_runs} runs, into a library "
        "with only the seed (new works) and into the working copy that already holds "
        "them (all merge).",
        f"Export: `collect_entries` (shared by every format, counted in each) + `render`, on "
        f"{min(ctx.export_records, ctx.works):,} works (capped by --export-records). "
        f"Bibliography: `render(..., 'text', style='apa')` on {BIBLIOGRAPHY_RECORDS:,} works.",
        "Stall: `TransferController.start_import` on a window over a seed-only library, a "
        f"{gui.HEARTBEAT_MS} ms QTimer on the GUI thread, the largest gap between beats "
        "until the import's report (views refreshed) arrived.",
        *ctx.notes,
    ]


def _command(argv: Sequence[str]) -> str:
    return shlex.join(["python", "-m", "benchmarks.run", *argv])


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--works", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--only", default="", help=f"comma-separated: {','.join(FIGURES)}")
    parser.add_argument("--out", type=Path, default=HERE / "data", help="generated data")
    parser.add_argument("--import-records", type=int, default=20_000)
    parser.add_argument(
        "--import-runs", type=int, default=None, help="runs per import (default: --runs)"
    )
    parser.add_argument("--export-records", type=int, default=20_000)
    parser.add_argument("--stall-records", type=int, default=STALL_RECORDS)
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help="Markdown file (default benchmarks/results-<N>.md)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also write cProfile stats per figure into --out"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    args = parse(args_list)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or list(FIGURES)
    unknown = set(chosen) - set(FIGURES)
    if unknown:
        raise SystemExit(f"unknown figures: {', '.join(sorted(unknown))}")
    os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp(prefix="exodesk-bench-config-"))
    args.out.mkdir(parents=True, exist_ok=True)
    host = report.machine()
    ctx = Context(
        args.works,
        args.seed,
        args.runs,
        args.out,
        args.import_records,
        args.export_records,
        args.stall_records,
        args.profile,
        args.import_runs or args.runs,
    )
    rows: list[Row] = []
    for name in FIGURES:
        if name in chosen:
            print(f"measuring {name}...", file=sys.stderr, flush=True)
            started = time.monotonic()
            rows.extend(_profiled(ctx, name, MEASURES[name]))
            print(f"  {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    print(report.text_table(rows))
    results = args.results or HERE / f"results-{args.works}.md"
    text = report.markdown(
        rows, works=args.works, command=_command(args_list), notes=_notes(ctx), host=host
    )
    report.write_markdown(results, text)
    print(f"\nwritten to {results}", file=sys.stderr)
    _close(ctx)
    return 0


def _close(ctx: Context) -> None:
    cached: dict[str, Any] = ctx.__dict__
    if "window" in cached:
        cached["window"].close()
    if "library" in cached:
        cached["library"].close()


if __name__ == "__main__":
    status = main()
    # PySide6 can crash while the interpreter tears down Qt objects (none_dealloc); the
    # results are written by now, so leave without that teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
