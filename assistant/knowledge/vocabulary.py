"""The words of the code sets (Snowball stems of titles and inclusion terms): what every
lexicon phrase must be written in, so that an expansion can match a code."""

from __future__ import annotations

from collections.abc import Iterable, Set

from index.lexical import tokenize


def stems_of(texts: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for text in texts:
        out.update(tokenize(text))
    return frozenset(out)


def code_set_stems() -> frozenset[str]:
    """Stems of every ICD-10-CM title and inclusion term and every ICD-10-PCS title
    (parses the packaged code sets: a few seconds)."""
    from corpus.icd10cm import parse_tabular
    from corpus.icd10pcs import parse_pcs

    def texts() -> Iterable[str]:
        for record in parse_tabular():
            yield record.title
            yield from record.section_texts("inclusion_terms")
        for record in parse_pcs():
            yield record.title

    return stems_of(texts())


def unknown_words(phrase: str, stems: Set[str]) -> list[str]:
    """The words of ``phrase`` whose stems never occur in the code sets."""
    words = phrase.split()
    return [w for w in words if any(t not in stems for t in tokenize(w))]
