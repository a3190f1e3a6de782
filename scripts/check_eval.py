#!/usr/bin/env python3
"""Check evaluation sets against the code sets: every gold code exists, ICD-10-CM golds
are billable, kinds are known, no query repeats within or across the files given.

    .venv/bin/python scripts/check_eval.py eval/*.jsonl [--titles]

``--titles`` prints each case with its gold codes' titles (for review of a dev set).
Exit status 1 when a problem is found.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.evaluate import check_cases, load_cases
from corpus.icd10cm import parse_tabular
from corpus.icd10pcs import parse_pcs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--titles", action="store_true")
    args = parser.parse_args()
    codes: dict[tuple[str, str], tuple[bool, str]] = {}
    for record in parse_tabular():
        codes[(record.system, record.code)] = (record.billable, record.title)
    for record in parse_pcs():
        codes[(record.system, record.code)] = (record.billable, record.title)
    problems = 0
    seen: dict[str, str] = {}
    for name in args.files:
        cases = load_cases(Path(name))
        for message in check_cases(cases, codes, seen, name):
            print(message)
            problems += 1
        if args.titles:
            for case in cases:
                print(f"[{case.system} {case.kind}] {case.query}")
                for code in case.gold:
                    print(f"    {code}  {codes.get((case.system, code), (False, '?'))[1]}")
        print(f"{name}: {len(cases)} cases", file=sys.stderr)
    print(f"{problems} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
