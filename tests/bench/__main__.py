"""Run the benchmarks: `python -m tests.bench [NAME ...] [--option=value ...]` (default: every module in BENCHMARKS);
then print every figure as a table, kept in bench/results.json (tests/bench/results.py)."""

from __future__ import annotations

import asyncio
import importlib
import json
import sys

from tests.bench import results

# Add a module here to add a benchmark to `make bench`: it has main(options) -> int, or an async run().
BENCHMARKS = ("delivery", "inbox", "scaling", "pages")


def main(argv: list[str]) -> int:
    names = [a for a in argv if not a.startswith("-")] or list(BENCHMARKS)
    options = [a for a in argv if a.startswith("-")]
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    status = 0
    for name in names:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"tests.bench.{name}")
        if hasattr(module, "main"):
            status |= module.main(options)
        else:
            asyncio.run(module.run())
        results.save()  # after each benchmark: a long run stopped later keeps what it measured
    if results.RESULTS.exists():
        print(f"== figures (also in {results.RESULTS}, with earlier runs' figures this run did not measure)")
        print(results.table(json.loads(results.RESULTS.read_text())["figures"]))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
