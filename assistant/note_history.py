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

from assistant.named import DISEASE_CHAPTERS
from assistant.search import Retriever

HISTORY_OPENINGS = ("family history of ", "personal history of ")
_RANGE = re.compile(r"\s*\([A-Z]\d[0-9A-Z.]*(?:-[A-Z]\d[0-9A-Z.]*)?\)")
_LEVELS = ("block", "category")


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
