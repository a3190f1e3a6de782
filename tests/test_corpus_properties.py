"""Property tests: offsets hold for any page text; the parser never crashes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from corpus.chunking import chunk_record
from corpus.pages import parse_page
from corpus.records import CodeRecord, Source

LINES = st.sampled_from(
    [
        "Official Description",
        "Common Language Description",
        "1. Indications",
        "Create a free account to unlock this content",
        "© Copyright 2026 Coding Ahead. All rights reserved.",
        "Global Days 090 - Major Surgery",
        "MUE 2",
        "51 Multiple procedures: see appendix.",
        "  • Chronic pain unresponsive to medications.",
        "The procedure described by CPT® Code 64561 involves a lead. It is placed!",
        "",
        "   ",
        "Similar Codes",
    ]
)
TEXT = st.lists(st.one_of(LINES, st.text(max_size=200)), max_size=30).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(TEXT, st.booleans(), st.integers(min_value=3, max_value=200))
def test_sections_and_chunks_point_at_real_text(text: str, markdown: bool, budget: int) -> None:
    page = parse_page(text, markdown=markdown)
    for s in page.sections:
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip() and s.text
    record = CodeRecord(
        system="CPT",
        code="64561",
        title=page.title or "x",
        billable=True,
        source=Source("document", "mem", "test"),
        source_text=text,
        sections=page.sections,
    )
    covered = 0
    for chunk in chunk_record(record, max_tokens=budget):
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.strip() == chunk.text and chunk.text
        covered += 1
    if any(s.name != "procedure_name" for s in page.sections):
        assert covered > 0
