#!/usr/bin/env python3
"""Split drafted evaluation cases once into a dev set (tune on it) and a frozen test set
(measure only when a change is done), stratified by code system and kind.

    .venv/bin/python scripts/split_eval.py eval/drafts/*.jsonl --dev eval/coder_dev.jsonl \\
        --test eval/coder_test.jsonl [--test-share 0.3] [--seed medcode-2026]

The assignment of a case depends only on its query text and the seed (a hash), so
re-running it gives the same split.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--dev", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--test-share", type=float, default=0.3)
    parser.add_argument("--seed", default="medcode-2026")
    args = parser.parse_args()
    strata: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    for name in args.files:
        for line in Path(name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                strata[(str(case.get("system")), str(case.get("kind")))].append(case)
    dev: list[dict[str, object]] = []
    test: list[dict[str, object]] = []
    for key in sorted(strata):
        cases = sorted(
            strata[key],
            key=lambda c: hashlib.sha256(f"{args.seed}:{c['query']}".encode()).hexdigest(),
        )
        n_test = round(len(cases) * args.test_share)
        test.extend(cases[:n_test])
        dev.extend(cases[n_test:])
    for path, cases in ((args.dev, dev), (args.test, test)):
        with open(path, "w", encoding="utf-8") as fh:
            for case in cases:
                fh.write(json.dumps(case, ensure_ascii=False) + "\n")
    print(f"dev {len(dev)} cases -> {args.dev}; test {len(test)} cases -> {args.test}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
