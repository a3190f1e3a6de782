#!/usr/bin/env python3
"""Check lexicon files: they parse, and every word of every ``means`` phrase occurs in the
code sets' titles and inclusion terms (Snowball stems), so each entry leads to codes.

    .venv/bin/python scripts/check_lexicon.py [assistant/knowledge/lexicon/FILE.json ...]

Without files, checks the whole packaged lexicon. Exit status 1 when a problem is found.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.knowledge.lexicon import build_lexicon
from assistant.knowledge.vocabulary import code_set_stems, unknown_words

FOLDER = Path(__file__).resolve().parents[1] / "assistant" / "knowledge" / "lexicon"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*")
    args = parser.parse_args()
    paths = [Path(f) for f in args.files] or sorted(FOLDER.glob("*.json"))
    problems = 0
    loaded = []
    for path in paths:
        try:
            loaded.append((path.name, json.loads(path.read_text(encoding="utf-8"))))
        except ValueError as exc:
            print(f"{path}: not valid JSON ({exc})")
            problems += 1
    lexicon = build_lexicon(loaded)  # raises KnowledgeError on a malformed entry
    stems = code_set_stems()
    seen: set[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = set()
    for senses in lexicon.terms.values():
        for term in senses:
            key = (term.term.lower(), term.kind, term.context, term.systems)
            if key in seen:
                print(f"{term.domain}: {term.term!r} ({term.kind}) is listed twice")
                problems += 1
            seen.add(key)
            for phrase in term.means:
                missing = unknown_words(phrase, stems)
                if missing:
                    print(f"{term.domain}: {term.term!r} -> {phrase!r}: not in titles: {missing}")
                    problems += 1
    for part in lexicon.parts:
        for phrase in part.means:
            missing = unknown_words(phrase, stems)
            if missing:
                print(f"morphology: {part.form!r} -> {phrase!r}: not in titles: {missing}")
                problems += 1
    print(f"{len(lexicon)} entries, {problems} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
