"""Operative notes: sections, statements, negation, evidence offsets, suggestions."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import QueryError
from assistant.notes import laterality, sections, statements
from assistant.suggest import validate_note
from corpus.limits import MAX_NOTE_CHARS

NOTES = Path(__file__).parent / "fixtures" / "notes"


def read(name: str) -> str:
    return (NOTES / name).read_text(encoding="utf-8")


def test_sections_tolerate_many_heading_styles() -> None:
    note = (
        "PREOPERATIVE DIAGNOSIS: Urge incontinence.\n"
        "Post-op Dx - same\n"
        "Procedure(s) performed:\n  1. Sacral lead placement, right.\n"
        "Description of the procedure: Prone position.\n"
        "Complications: none\n"
    )
    names = [s.name for s in sections(note)]
    assert names == [
        "preoperative_diagnosis",
        "postoperative_diagnosis",
        "procedure",
        "description",
        "complications",
    ]
    for s in sections(note):
        assert note[s.body.start : s.body.end] == s.body.text


def test_statements_and_negation_uncertainty_history() -> None:
    note = read("knee_left.txt")
    found = statements(note)
    for st in found:
        assert note[st.span.start : st.span.end] == st.span.text
    by_text = {st.span.text: st for st in found}
    assert by_text["Primary osteoarthritis, left knee."].status == "positive"
    assert by_text["History of right knee replacement."].status == "history"
    assert by_text["No deep vein thrombosis."].status == "negated"
    assert by_text["Possible superficial wound dehiscence versus seroma."].status == "uncertain"
    assert all(st.kind == "procedure" for st in found if st.section == "procedure")
    # code-title words are not negations
    (st,) = statements("Diagnosis: Type 2 diabetes without complications\n")
    assert st.status == "positive"


def test_empty_statements_are_skipped() -> None:
    found = statements("Postoperative diagnosis: Same.\nComplications: None.\n")
    assert found == []


def test_laterality() -> None:
    assert laterality("Left total knee replacement") == "left"
    assert laterality("right S3 foramen") == "right"
    assert laterality("bilateral vasectomy") == "bilateral"
    assert laterality("sacral lead") is None


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        (b"\x00\x01binary", "binary"),
        (b"\xff\xfe\xfa", "UTF-8"),
        ("x" * (MAX_NOTE_CHARS + 1), "limit"),
        (12, "text"),
    ],
)
def test_bad_notes_are_clear_errors(note: object, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        validate_note(note)
