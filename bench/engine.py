"""Engine benchmark: full analysis and formatting of generated programs in each preset.

Prints, per preset language and program size (100, 1,000 and 10,000 lines), the best time
(the least disturbed of N runs, as `timeit` recommends on a shared machine) of a full
analysis (lex, parse, symbols, types, diagnostics) and of formatting, the scaling ratio
t(10k)/t(1k) (linear code stays below 12), and the time to analyse 100 statements (target:
under 2 ms). `--json PATH` also writes the figures as JSON.

Run: `.venv/bin/python bench/engine.py [--json PATH] [--repeat N]`.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from programs import PRESETS, program, statements

from server.engine.analysis import analyze
from server.engine.format import FormatOptions, format_text
from server.languages import load_spec

SIZES = (100, 1_000, 10_000)


def best_s(fn: Callable[[], object], repeat: int) -> float:
    """Least wall time of `fn` over `repeat` runs, after one warm-up run."""
    fn()
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--repeat", type=int, default=7, help="runs per measurement")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    header = (
        f"{'language':<12} {'stmts100':>9} "
        + " ".join(f"{'an' + str(n):>9}" for n in SIZES)
        + " "
        + " ".join(f"{'fmt' + str(n):>9}" for n in SIZES)
        + f" {'an10k/1k':>9} {'fmt10k/1k':>9}"
    )
    big = max(3, args.repeat // 2)
    print(f"times in ms (best of {args.repeat} runs; 10,000 lines: best of {big})")
    print(header)
    ok = True
    for preset in PRESETS:
        spec = load_spec(f"preset:{preset}")
        row: dict[str, float] = {}
        stmt_text = statements(preset, 100)
        row["statements100_ms"] = 1e3 * best_s(partial(analyze, spec, stmt_text), args.repeat * 5)
        options = FormatOptions()
        for n in SIZES:
            text = program(preset, n)
            reps = args.repeat if n < 10_000 else max(3, args.repeat // 2)
            row[f"analyze{n}_ms"] = 1e3 * best_s(partial(analyze, spec, text), reps)
            row[f"format{n}_ms"] = 1e3 * best_s(partial(format_text, spec, text, options), reps)
        row["analyze_ratio"] = row["analyze10000_ms"] / row["analyze1000_ms"]
        row["format_ratio"] = row["format10000_ms"] / row["format1000_ms"]
        ok &= row["analyze_ratio"] < 12 and row["format_ratio"] < 12
        ok &= row["statements100_ms"] < 2.0
        results[preset] = row
        print(
            f"{preset:<12} {row['statements100_ms']:>9.2f} "
            + " ".join(f"{row[f'analyze{n}_ms']:>9.2f}" for n in SIZES)
            + " "
            + " ".join(f"{row[f'format{n}_ms']:>9.2f}" for n in SIZES)
            + f" {row['analyze_ratio']:>9.2f} {row['format_ratio']:>9.2f}"
        )
    print("targets: stmts100 < 2 ms, ratios < 12:", "met" if ok else "NOT met")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
