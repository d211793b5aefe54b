"""`python -m bench [--quick] [--out PATH]`: run the benchmark, print the report, write it as JSON."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bench.report import table, write_json
from bench.run import Options, run

DEFAULT_OUT = Path(__file__).resolve().parent / "results" / "latest.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="one short window per case and a smaller memory run")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"JSON results (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    options = Options.quick() if args.quick else Options()
    results = asyncio.run(run(options))
    print(table(results))
    write_json(results, args.out)
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
