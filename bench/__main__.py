"""`python -m bench [--quick] [--out PATH]`: run the benchmark, print the report, write it as JSON.

`python -m bench --latency [--rtt-ms 100] [--sizes 40,10000,100000] ...`: the latency mode, see
bench/README.md.

`python -m bench --upkeep [--sizes 1000,10000,100000] [--rate-limit 60]`: what keeping the mirror true costs
in calls (bench/upkeep.py).

`python -m bench --import`: an /import of 1,000 rows under a 60-calls-a-minute limit, see bench/importing.py.

`python -m bench --webapp`: the Mini App's search latency at 10,000 and 100,000 numbers and the page's weight
(bench/webapp.py)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bench.report import table, write_json
from bench.run import Options, run

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_OUT = RESULTS / "latest.json"
LATENCY_OUT = RESULTS / "latency.json"
WEBAPP_OUT = RESULTS / "webapp.json"


def sizes(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 40,10000,100000, got {text!r}") from None
    if not values or any(value < 1 for value in values):
        raise argparse.ArgumentTypeError("sizes are whole numbers of at least 1")
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="one short window per case and a smaller memory run")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"JSON results (default {DEFAULT_OUT}, or {LATENCY_OUT} with --latency)")
    parser.add_argument("--upkeep", action="store_true",
                        help="the mirror's upkeep in calls: first read, idle interval, repairs (bench/upkeep.py)")
    parser.add_argument("--import", dest="import_", action="store_true",
                        help="an /import of 1,000 rows under a 60-calls-a-minute limit (bench/importing.py)")
    parser.add_argument("--webapp", action="store_true",
                        help="the Mini App: search latency from the copy at 10,000 and 100,000 numbers, page weight")
    latency = parser.add_argument_group("latency mode")
    latency.add_argument("--latency", action="store_true",
                         help="one user's wait and Plusofon calls per action, each call a round trip")
    latency.add_argument("--rtt-ms", type=int, default=100,
                         help="the fake Plusofon's round trip (default 100)")
    latency.add_argument("--sizes", type=sizes, default=None,
                         help="account sizes, comma-separated (default 40,10000,100000; --upkeep: "
                              "1000,10000,100000)")
    latency.add_argument("--repeat", type=int, default=3,
                         help="bot starts per size, one round each (default 3)")
    latency.add_argument("--rate-limit", type=int, default=60,
                         help="calls a minute per token in the rate-limited phase (default 60)")
    latency.add_argument("--limited-size", type=int, default=1_000,
                         help="numbers in the rate-limited phase's account; 0 skips it (default 1000)")
    latency.add_argument("--sync-quiet", type=float, default=3.0,
                         help="seconds without a Plusofon call that end the watch of a start's "
                              "background reads (default 3)")
    args = parser.parse_args(argv)
    if args.upkeep:
        from bench.upkeep import main as upkeep

        return upkeep(args.sizes or (1_000, 10_000, 100_000), args.rate_limit)
    if args.import_:
        from bench.importing import main as run_import

        return run_import()
    if args.webapp:
        from bench.webapp import main as webapp_main

        return webapp_main(args.out or WEBAPP_OUT)
    args.sizes = args.sizes or (40, 10_000, 100_000)
    if args.latency:
        return run_latency_mode(args)
    options = Options.quick() if args.quick else Options()
    results = asyncio.run(run(options))
    print(table(results))
    out = args.out or DEFAULT_OUT
    write_json(results, out)
    print(f"\nwritten to {out}")
    return 0


def run_latency_mode(args: argparse.Namespace) -> int:
    from bench.latency import report
    from bench.latency.run import LatencyOptions, run_latency

    bad = min(args.rtt_ms, args.limited_size) < 0 or min(args.repeat, args.rate_limit) < 1
    if bad or args.sync_quiet <= 0:
        print("--rtt-ms ≥ 0, --repeat ≥ 1, --rate-limit ≥ 1, --limited-size ≥ 0 and --sync-quiet > 0, please",
              file=sys.stderr)
        return 2
    options = LatencyOptions(rtt_ms=args.rtt_ms, sizes=args.sizes, repeat=args.repeat,
                             rate_limit=args.rate_limit, limited_size=args.limited_size,
                             sync_quiet=args.sync_quiet)
    results = asyncio.run(run_latency(options))
    print(report.table(results))
    out = args.out or LATENCY_OUT
    report.write_json(results, out)
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
