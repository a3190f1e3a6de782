"""History codes worded the way the code set groups conditions.

Family- and personal-history codes name a condition's group, not the condition: a father's
colon cancer is "Family history of malignant neoplasm of digestive organs" (Z80.0), a
treated breast cancer "Personal history of malignant neoplasm of breast" (Z85.3), a
mother's heart attack "Family history of ischemic heart disease ..." (Z82.49). The group
is where ICD-10-CM classifies the condition itself: the block and category titles of the
code a search finds first for it, in the disease chapters A00-Q99 ("Malignant neoplasms
of digestive organs (C15-C26)", "Malignant neoplasm of colon"). Those titles are added to
the history query, so that it meets the history code by the words its title uses.
"""

from __future__ import annotations

import re

from assistant.condition_phrases import long_term_drug
from assistant.knowledge.qualifiers import group_named
from assistant.named import DISEASE_CHAPTERS
from assistant.note_text import LISTED_DRUG, LONG_TERM, ON_DRUG
from assistant.query import analyze
from assistant.search import Retriever

HISTORY_OPENINGS = ("family history of ", "personal history of ")
_RANGE = re.compile(r"\s*\([A-Z]\d[0-9A-Z.]*(?:-[A-Z]\d[0-9A-Z.]*)?\)")
_LEVELS = ("block", "category")
DIABETES_AXIS = "diabetes type"  # the qualifier group that reads a diabetes type


def classified(retriever: Retriever, condition: str, min_confidence: float) -> str:
    """The block and category titles of the code ``condition`` is coded with ("" when no
    code is confident enough)."""
    found = retriever.search(condition, "ICD-10-CM", k=1).results
    if not found or found[0].confidence < min_confidence:
        return ""
    first, last = DISEASE_CHAPTERS
    if not first <= found[0].code[:1] <= last:
        return ""  # a status, symptom or injury is grouped by no disease block
    record = retriever.record("ICD-10-CM", found[0].code)
    titles = [_RANGE.sub("", p.title) for p in record.parents if p.level in _LEVELS]
    return "; ".join(dict.fromkeys(t for t in titles if t))


def history_query(retriever: Retriever, text: str, min_confidence: float) -> str:
    """``text`` ("family history of colon cancer") with the group its condition is
    classified in; other texts as they are."""
    opening = next((o for o in HISTORY_OPENINGS if text.lower().startswith(o)), None)
    if opening is None:
        return text
    group = classified(retriever, text[len(opening) :], min_confidence)
    return f"{text} ({group})" if group else text


def long_term_drugs(text: str) -> list[str]:
    """The lexicon's "long term (current) use of ..." senses of the drugs ``text`` names
    ("Eliquis 5 mg BID": long term (current) use of anticoagulants)."""
    found = analyze(text, system="ICD-10-CM").expansions
    return [e.means for e in found if long_term_drug(e)]


def drug_therapies(text: str, *, listed: bool, medications: bool = False) -> list[str]:
    """What a statement says of long-term drug therapy (Z79), as texts to search: the
    narrative says the patient is on a drug ("on alendronate for 18 months", "takes
    insulin"); a list item names its drug first ("Aspirin 81 mg daily"; ``listed``); every
    drug of a medication list (``medications``) that the lexicon reads as a drug taken for
    long counts ("Eliquis 5 mg BID")."""
    found = [f"long term (current) use of {m.group('drug')}" for m in LONG_TERM.finditer(text)]
    for m in ON_DRUG.finditer(text):
        found += long_term_drugs(m.group("drug"))
    if medications:
        found += long_term_drugs(text)
    drug = LISTED_DRUG.search(text) if listed or medications else None
    if drug:
        found.append(f"long term (current) use of {drug.group('drug')}")
    return list(dict.fromkeys(found))


def type_1_diabetes(note: str) -> bool:
    """The note names type 1 diabetes (the diabetes type qualifier's patterns)."""
    group = group_named(DIABETES_AXIS)
    return group is not None and group.value(note.lower()) == "type 1"
