"""Immutable records and chunks: the data every later layer builds on.

A :class:`CodeRecord` describes one code of one code system. Its ``source_text``
is the text every offset refers to: for a document (a CPT page) it is the file's
decoded text, for a code-set entry (ICD-10-CM, ICD-10-PCS, HCPCS) it is a
deterministic rendering of the entry. For every section and every chunk,
``record.source_text[start:end] == text`` holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

System = Literal["CPT", "HCPCS", "ICD-10-CM", "ICD-10-PCS"]
SYSTEMS: tuple[System, ...] = ("CPT", "HCPCS", "ICD-10-CM", "ICD-10-PCS")


@dataclass(frozen=True)
class Source:
    """Where a record came from: a file path or a package, and the code-set version.
    ``location`` is for the server's own use; ``name`` is what a reader is shown (a
    document's path relative to its folder, a code-set file's name): never a server path."""

    kind: Literal["document", "package", "file"]
    location: str
    version: str
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.location.replace("\\", "/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class SourceLabel:
    """A cited passage's source as a reader names it: the code set, its edition, the code
    and the part of its entry; for a user's document, its file name (relative to the
    documents folder) and section. ``source_text[start:end] == text`` holds for the
    record this label names."""

    code_set: str
    edition: str
    code: str
    part: str
    document: str | None = None

    def __str__(self) -> str:
        part = self.part.replace("_", " ")
        if self.document:
            return f"{self.document} ({self.code_set} {self.code}, {part})"
        return f"{self.code_set} {self.edition}, {self.code}, {part}"


@dataclass(frozen=True)
class Parent:
    """One ancestor in a code hierarchy (chapter, block, category, ...)."""

    code: str
    title: str
    level: str


@dataclass(frozen=True)
class Section:
    """A named part of a record's text; ``source_text[start:end] == text``."""

    name: str
    text: str
    start: int
    end: int


def _frozen_map(data: Mapping[str, str] | None = None) -> Mapping[str, str]:
    return MappingProxyType(dict(data or {}))


@dataclass(frozen=True)
class CodeRecord:
    system: System
    code: str
    title: str
    billable: bool
    source: Source
    source_text: str
    parents: tuple[Parent, ...] = ()
    sections: tuple[Section, ...] = ()
    attributes: Mapping[str, str] = field(default_factory=_frozen_map)

    def __post_init__(self) -> None:
        # Keep the record immutable even when a caller passed a plain dict.
        if not isinstance(self.attributes, MappingProxyType):
            object.__setattr__(self, "attributes", _frozen_map(self.attributes))

    @property
    def key(self) -> tuple[str, str]:
        return (self.system, self.code)

    def section(self, name: str) -> Section | None:
        """The first section called ``name``, or None."""
        return next((s for s in self.sections if s.name == name), None)

    def section_texts(self, name: str) -> list[str]:
        return [s.text for s in self.sections if s.name == name]


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage. ``text`` is real source text; ``embed_text`` may add context.

    ``source`` names the file or package entry; offsets index ``record.source_text``.
    """

    chunk_id: str
    system: System
    code: str
    section: str
    text: str
    source: str
    start: int
    end: int
    embed_text: str


@dataclass(frozen=True)
class LoadWarning:
    """A problem with one input that was skipped or repaired; everything else still loads."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"
