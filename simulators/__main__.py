"""``python -m simulators [--only lapor,sikesal] [--seed 7] [--n 1000]``: serve the sandboxes."""

from __future__ import annotations

import argparse
import sys

from simulators.runner import SimulatorSettings, serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m simulators", description=__doc__)
    parser.add_argument("--only", help="comma-separated: lapor,sikesal,dukcapil")
    parser.add_argument("--seed", type=int, help="seed every simulator at start")
    parser.add_argument("--n", type=int, help="tickets per channel when seeding")
    args = parser.parse_args()
    settings = SimulatorSettings()
    overrides = {"only": args.only.split(",") if args.only else None, "seed": args.seed,
                 "n": args.n}
    serve(settings.model_copy(update={k: v for k, v in overrides.items() if v is not None}),
          announce=_announce)


def _announce(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
