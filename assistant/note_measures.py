"""A body mass index the note records, coded the way its Z68 titles say (guideline I.B.14).

The BMI code is reported only with a condition whose "use additional code" note asks for
it (obesity E66, malnutrition, underweight): a value without such a diagnosis codes
nothing. The adult codes Z68.1-Z68.45 name ranges of values in their titles ("Body mass
index [BMI] 40.0-44.9, adult"); the ranges are read from the code set, not written here.
Pediatric BMI is coded by percentile (Z68.5-), which a value alone does not give, so a
patient under 20 gets no BMI code from a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.search import Retriever

BMI_CATEGORY = "Z68"
ADULT_AGE = 20  # the adult Z68 codes are for persons 20 years of age or older
_VALUE = re.compile(
    r"\b(?:BMI|body mass index)\b(?:\s*(?:of|is|was|=|:|\())?\s*(?P<value>\d{2}(?:\.\d+)?)",
    re.IGNORECASE,
)
_AGE = re.compile(r"\b(?P<age>\d{1,3})[- ](?:year|yr|y)s?[- ]old\b|\b(?P<short>\d{1,3}) ?y/?o\b")
_RANGE = re.compile(r"(?P<low>\d+(?:\.\d+)?)\s*-\s*(?P<high>\d+(?:\.\d+)?)")
_OR_LESS = re.compile(r"(?P<value>\d+(?:\.\d+)?) or less")
_OR_MORE = re.compile(r"(?P<value>\d+(?:\.\d+)?) or greater")


@dataclass(frozen=True)
class BmiValue:
    value: float
    start: int  # offsets of "BMI 41.2" in the note
    end: int


def bmi_value(note: str) -> BmiValue | None:
    """The first BMI value the note records ("BMI 41.2", "body mass index of 34")."""
    m = _VALUE.search(note)
    return BmiValue(float(m.group("value")), m.start(), m.end()) if m else None


def patient_age(note: str) -> int | None:
    m = _AGE.search(note)
    if m is None:
        return None
    return int(m.group("age") or m.group("short"))


@lru_cache(maxsize=4)
def adult_ranges(retriever: Retriever) -> tuple[tuple[float, float, str], ...]:
    """(low, high, code) of the adult BMI codes, read from their titles (once per index)."""
    records = retriever.index.records
    out = []
    for row in retriever.descendants("ICD-10-CM", BMI_CATEGORY):
        title = records.titles[row].lower()
        if not records.billable[row] or "adult" not in title:
            continue
        if (m := _RANGE.search(title)) is not None:
            low, high = float(m.group("low")), float(m.group("high"))
        elif (m := _OR_LESS.search(title)) is not None:
            low, high = 0.0, float(m.group("value"))
        elif (m := _OR_MORE.search(title)) is not None:
            low, high = float(m.group("value")), float("inf")
        else:
            continue
        out.append((low, high, records.codes[row]))
    return tuple(sorted(out))


def bmi_code(retriever: Retriever, note: str) -> tuple[str, BmiValue] | None:
    """The adult BMI code of the value the note records, with where it says so."""
    found = bmi_value(note)
    age = patient_age(note)
    if found is None or (age is not None and age < ADULT_AGE):
        return None
    # a value is recorded to one decimal: 44.95 is in "40.0-44.9" as 44.9 would be
    value = round(found.value, 1)
    for low, high, code in adult_ranges(retriever):
        if low <= value <= high:
            return code, found
    return None
