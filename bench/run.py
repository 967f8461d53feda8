"""`make bench`: run the benchmarks in order, or those named on the command line.

    .venv/bin/python bench/run.py [api_publish] [end_to_end] [dispatcher] [wait] [media_memory]

Prints the machine first, then one table per benchmark. Uses the `mollkom_bench`
database (created and migrated if missing) and Redis db 14 only (BENCH_DB_NAME and
BENCH_REDIS_URL choose others).
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BENCHMARKS = ["api_publish", "end_to_end", "dispatcher", "wait", "media_memory"]


def main(argv: list[str]) -> int:
    from bench import _support as s

    chosen = argv or BENCHMARKS
    unknown = [name for name in chosen if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    started = time.monotonic()
    s.ensure_database()
    for line in s.machine_summary():
        print(line)
    print(f"database: {s.DATABASE_URL}  broker/cache: {s.REDIS_URL}")
    for name in chosen:
        began = time.monotonic()
        module = importlib.import_module(f"bench.{name}")
        module.main()
        print(f"   ({name}: {time.monotonic() - began:.0f} s)")
    print(f"\ntotal {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
