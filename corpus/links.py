"""Instructional notes of ICD-10-CM as structured links between codes, and the index
terms of an entry (its title and inclusion terms without nonessential modifiers).

A note such as "use additional code to identify stage of chronic kidney disease
(N18.1-N18.6)" or "Excludes1: Escherichia coli infection (A04.0-A04.4), listeriosis
(A32.-)" names codes, code prefixes ("A32.-") and ranges ("A04.0-A04.4", "B95-B96"). Each
becomes a :class:`CodeRef`; :meth:`CodeRef.covers` tells whether a code falls under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.records import CodeRecord

LINK_SECTIONS = ("excludes1", "excludes2", "code_first", "use_additional_code", "code_also")
_CODE = r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?"
# a code, an optional ".-" (any code under it), an optional range end
_REF = re.compile(rf"(?<![\w.])({_CODE})(\.?-)?(?:\s*-\s*({_CODE})(\.?-)?)?(?![\w])")
_PAREN = re.compile(r"\(([^()]*)\)")
_NONESSENTIAL = re.compile(r"\s*\([^()]*\)")
# words that mark a default (unspecified) entry and say nothing about the condition
_DEFAULT_MARKERS = re.compile(
    r",?\s*\b(?:NOS|unspecified|not otherwise specified|uncomplicated|"
    r"without complications?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class CodeRef:
    """A code, every code under a prefix (``prefix``), or a range of either."""

    first: str
    last: str

    def covers(self, code: str) -> bool:
        """``code`` (with its dot) is this code, under it, or within the range."""
        if code.startswith(self.first) or code.startswith(self.last):
            return True
        return self.first < code < self.last

    def __str__(self) -> str:
        return self.first if self.first == self.last else f"{self.first}-{self.last}"


def code_refs(note: str) -> tuple[CodeRef, ...]:
    """The codes a note names inside its parentheses, in order."""
    out: list[CodeRef] = []
    for group in _PAREN.findall(note):
        for m in _REF.finditer(group):
            first, last = m.group(1), m.group(3) or m.group(1)
            out.append(CodeRef(first.rstrip("."), last.rstrip(".")))
    return tuple(dict.fromkeys(out))


def record_links(record: CodeRecord) -> dict[str, tuple[CodeRef, ...]]:
    """The codes each instructional note of ``record`` names, by note kind."""
    out: dict[str, tuple[CodeRef, ...]] = {}
    for name in LINK_SECTIONS:
        refs = tuple(ref for text in record.section_texts(name) for ref in code_refs(text))
        if refs:
            out[name] = tuple(dict.fromkeys(refs))
    return out


def index_terms(record: CodeRecord) -> tuple[str, ...]:
    """The names a coder would look the entry up by: its title and inclusion terms with
    the nonessential modifiers (words in parentheses) and default markers (NOS,
    unspecified, without complication) left out. ``"Myocardial infarction (acute) NOS"``
    -> ``"Myocardial infarction"``."""
    lines = [record.title]
    for name in ("inclusion_terms", "includes"):
        for text in record.section_texts(name):
            lines.extend(text.split("\n"))
    out = []
    for line in lines:
        core = _DEFAULT_MARKERS.sub("", _NONESSENTIAL.sub("", line))
        core = " ".join(core.replace(" ,", ",").strip(" ,;").split())
        if core:
            out.append(core)
    return tuple(dict.fromkeys(out))
