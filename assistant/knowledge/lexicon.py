"""The coder lexicon: the words people write -> the words code titles use.

Data lives in ``lexicon/*.json``, one file per domain, each::

    {"version": 1, "domain": "circulatory", "about": "...",
     "entries": [
        {"term": "heart attack", "kind": "lay", "means": ["acute myocardial infarction"]},
        {"term": "MS", "kind": "abbreviation", "means": ["mitral stenosis"],
         "context": ["mitral", "valve", "murmur"]},
        {"term": "CABG", "kind": "abbreviation", "means": ["coronary artery bypass"],
         "systems": ["ICD-10-PCS"]}
     ]}

and ``lexicon/morphology.json`` holds word parts (combining forms, prefixes, suffixes)::

    {"form": "cholecyst", "kind": "combining_form", "means": ["gallbladder"]}
    {"form": "itis", "kind": "suffix", "means": ["inflammation"]}

``means`` are alternatives in the words of code titles (the first is preferred); ``context``
limits a sense to queries that contain one of its words (an ambiguous abbreviation's other
senses); ``systems`` limits it to code sets. Nothing here is derived from evaluation
queries: entries come from general medical and coding knowledge.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from assistant.errors import KnowledgeError

LEXICON_VERSION = 1
TERM_KINDS = ("lay", "abbreviation", "eponym", "brand", "synonym")
PART_KINDS = ("combining_form", "prefix", "suffix")
CODE_SETS = ("CPT", "HCPCS", "ICD-10-CM", "ICD-10-PCS")
MORPHOLOGY_FILE = "morphology.json"


@dataclass(frozen=True)
class Term:
    """One sense of a word or phrase users write."""

    term: str
    kind: str
    means: tuple[str, ...]
    systems: tuple[str, ...] = ()  # empty: every code set
    context: tuple[str, ...] = ()  # empty: the default sense
    domain: str = ""

    def applies(self, system: str | None) -> bool:
        return not self.systems or system is None or system in self.systems


@dataclass(frozen=True)
class WordPart:
    """A combining form, prefix or suffix and what it means in title words."""

    form: str
    kind: str
    means: tuple[str, ...]
    systems: tuple[str, ...] = ()

    def applies(self, system: str | None) -> bool:
        return not self.systems or system is None or system in self.systems


@dataclass(frozen=True, eq=False)  # compared and hashed by identity (used as a cache key)
class Lexicon:
    terms: Mapping[str, tuple[Term, ...]]  # lower-cased term -> its senses
    parts: tuple[WordPart, ...]
    version: str  # the data files' versions, e.g. "circulatory@1 morphology@1"

    def __len__(self) -> int:
        return sum(len(v) for v in self.terms.values()) + len(self.parts)

    def senses(self, term: str) -> tuple[Term, ...]:
        return self.terms.get(term.lower(), ())


def string_list(value: Any, where: str, field: str, *, required: bool = False) -> tuple[str, ...]:
    """A data file's list of non-empty strings (spaces folded), refused with ``where``."""
    if value is None and not required:
        return ()
    if (
        not isinstance(value, list)
        or not all(isinstance(v, str) and v.strip() for v in value)
        or (required and not value)
    ):
        raise KnowledgeError(f"{where}: {field!r} must be a list of non-empty strings")
    return tuple(" ".join(v.split()) for v in value)


def code_set_list(value: Any, where: str) -> tuple[str, ...]:
    """A data file's list of code sets, each one of ``CODE_SETS``."""
    systems = string_list(value, where, "systems")
    unknown = [s for s in systems if s not in CODE_SETS]
    if unknown:
        raise KnowledgeError(f"{where}: unknown code set {unknown[0]!r}")
    return systems


def entries_of(data: Any, name: str, what: str, version: int) -> list[Any]:
    """The 'entries' of a data file of this version, refused by name when it is no object
    with an entries list or has another version."""
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise KnowledgeError(f"{name}: a {what} file is an object with an 'entries' list")
    if data.get("version") != version:
        raise KnowledgeError(f"{name}: version {data.get('version')!r}, expected {version}")
    entries: list[Any] = data["entries"]
    return entries


def parse_terms(data: Any, name: str) -> tuple[str, list[Term]]:
    """(domain@version, terms) of one domain file's parsed JSON."""
    entries_of(data, name, "lexicon", LEXICON_VERSION)
    domain = str(data.get("domain") or name.removesuffix(".json"))
    out = []
    for i, entry in enumerate(data["entries"]):
        where = f"{name} entry {i + 1}"
        if not isinstance(entry, dict) or not isinstance(entry.get("term"), str):
            raise KnowledgeError(f"{where}: needs a 'term' string")
        kind = entry.get("kind")
        if kind not in TERM_KINDS:
            raise KnowledgeError(f"{where}: kind {kind!r} is not one of {', '.join(TERM_KINDS)}")
        term = " ".join(entry["term"].split())
        if not term:
            raise KnowledgeError(f"{where}: empty term")
        out.append(
            Term(
                term=term,
                kind=kind,
                means=string_list(entry.get("means"), where, "means", required=True),
                systems=code_set_list(entry.get("systems"), where),
                context=tuple(
                    c.lower() for c in string_list(entry.get("context"), where, "context")
                ),
                domain=domain,
            )
        )
    return f"{domain}@{data['version']}", out


def parse_parts(data: Any, name: str) -> tuple[str, list[WordPart]]:
    entries_of(data, name, "lexicon", LEXICON_VERSION)
    out = []
    for i, entry in enumerate(data["entries"]):
        where = f"{name} entry {i + 1}"
        if not isinstance(entry, dict) or not isinstance(entry.get("form"), str):
            raise KnowledgeError(f"{where}: needs a 'form' string")
        kind = entry.get("kind")
        if kind not in PART_KINDS:
            raise KnowledgeError(f"{where}: kind {kind!r} is not one of {', '.join(PART_KINDS)}")
        form = entry["form"].strip().lower().strip("-/")
        if not form.isalpha():
            raise KnowledgeError(f"{where}: a word part is letters only, not {entry['form']!r}")
        means = string_list(entry.get("means"), where, "means", required=True)
        out.append(WordPart(form, kind, means, code_set_list(entry.get("systems"), where)))
    return f"morphology@{data['version']}", out


def build_lexicon(files: Iterable[tuple[str, Any]]) -> Lexicon:
    """A lexicon from (file name, parsed JSON) pairs; the morphology file by its name."""
    terms: dict[str, list[Term]] = defaultdict(list)
    parts: list[WordPart] = []
    versions = []
    for name, data in files:
        if name == MORPHOLOGY_FILE:
            version, found = parse_parts(data, name)
            parts.extend(found)
        else:
            version, entries = parse_terms(data, name)
            for term in entries:
                terms[term.term.lower()].append(term)
        versions.append(version)
    frozen = {k: tuple(v) for k, v in terms.items()}
    # longest forms first, so that "cholecyst" is tried before "chole"
    parts.sort(key=lambda p: (-len(p.form), p.form, p.kind))
    return Lexicon(frozen, tuple(parts), " ".join(sorted(versions)))


def read_folder(name: str) -> list[tuple[str, Any]]:
    """(file name, parsed JSON) of every ``*.json`` in a folder of the knowledge package,
    by name; a file that is not JSON is refused by name."""
    folder = resources.files("assistant.knowledge").joinpath(name)
    files = []
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".json"):
            try:
                files.append((item.name, json.loads(item.read_text(encoding="utf-8"))))
            except ValueError as exc:
                raise KnowledgeError(f"{item.name}: not valid JSON ({exc})") from exc
    return files


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """The packaged lexicon (every ``lexicon/*.json``), parsed once per process."""
    return build_lexicon(read_folder("lexicon"))
