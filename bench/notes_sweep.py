"""Sweep the note-coding thresholds (``assistant.weights.NoteWeights``) on a dev folder of
notes: recall / precision / forbidden per value, one weight at a time.

    .venv/bin/python bench/notes_sweep.py --index-dir DIR eval/notes/dev \\
        --weights part_threshold=0.3,0.6 treated_threshold=0.3,0.6

Never run it on the frozen test notes.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant import Assistant
from assistant.notes_eval import evaluate_notes, load_notes
from assistant.suggest import suggest
from assistant.weights import NOTE_WEIGHTS


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder")
    parser.add_argument("--index-dir", required=True)
    parser.add_argument("--weights", nargs="+", required=True, metavar="NAME=V1,V2")
    args = parser.parse_args()
    retriever = Assistant.open(args.index_dir).retriever
    cases = load_notes(Path(args.folder))

    def run(weights: object) -> str:
        def recommend(text: str) -> list[tuple[str, str]]:
            response = suggest(retriever, text, weights)  # type: ignore[arg-type]
            return [(s.system, s.code) for s in response.suggestions]

        totals, _ = evaluate_notes(cases, recommend)
        return " | ".join(
            f"{t.recall:.3f} / {t.precision:.3f} / {t.forbidden}" for t in totals.values()
        )

    print("| weight | value | CM recall / precision / forbidden | PCS | all |")
    print("|---|---|---|---|---|")
    print(f"| (defaults) | | {run(NOTE_WEIGHTS)} |")
    for spec in args.weights:
        name, values = spec.split("=", 1)
        for value in values.split(","):
            cast = type(getattr(NOTE_WEIGHTS, name))(float(value))
            print(
                f"| {name} | {cast:g} | {run(dataclasses.replace(NOTE_WEIGHTS, **{name: cast}))} |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
