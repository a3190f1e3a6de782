"""Assemble a corpus from its sources: default code sets plus user files."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field
from pathlib import Path

from corpus.documents import load_documents
from corpus.hcpcs import parse_hcpcs
from corpus.icd10cm import parse_tabular
from corpus.icd10pcs import load_pcs
from corpus.pcs_axes import PcsTables
from corpus.records import CodeRecord, LoadWarning, System

logger = logging.getLogger(__name__)

DEFAULT_SYSTEMS: tuple[System, ...] = ("ICD-10-CM", "ICD-10-PCS")


@dataclass(frozen=True)
class CorpusConfig:
    """What to load. ``systems`` limits the code sets; documents and HCPCS load when given."""

    systems: tuple[System, ...] = DEFAULT_SYSTEMS
    documents: tuple[Path, ...] = ()
    cm_xml: Path | None = None
    pcs_file: Path | None = None
    pcs_tables: Path | None = None  # the CMS ICD-10-PCS tables XML (axis meanings)
    hcpcs_file: Path | None = None
    cm_exclude_terms: Mapping[str, Set[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class SystemStats:
    codes: int
    billable: int
    versions: tuple[str, ...]


@dataclass(frozen=True)
class Corpus:
    records: tuple[CodeRecord, ...]
    warnings: tuple[LoadWarning, ...]
    document_hashes: Mapping[str, str]
    pcs_tables: PcsTables | None = None  # ICD-10-PCS axis meanings, when PCS is loaded

    def stats(self) -> dict[str, SystemStats]:
        out: dict[str, SystemStats] = {}
        for system in sorted({r.system for r in self.records}):
            recs = [r for r in self.records if r.system == system]
            out[system] = SystemStats(
                codes=len(recs),
                billable=sum(r.billable for r in recs),
                versions=tuple(sorted({r.source.version for r in recs})),
            )
        return out

    def versions(self) -> dict[str, list[str]]:
        return {s: list(v.versions) for s, v in self.stats().items()}


def load_corpus(config: CorpusConfig) -> Corpus:
    """Load every source named by ``config``. A bad document warns; a bad code set raises."""
    records: list[CodeRecord] = []
    warnings: list[LoadWarning] = []
    hashes: dict[str, str] = {}
    if "ICD-10-CM" in config.systems:
        records.extend(parse_tabular(config.cm_xml, exclude_terms=config.cm_exclude_terms))
    pcs_tables = None
    if "ICD-10-PCS" in config.systems:
        pcs_records, pcs_tables = load_pcs(config.pcs_file, tables_xml=config.pcs_tables)
        records.extend(pcs_records)
    if config.hcpcs_file is not None:
        records.extend(parse_hcpcs(config.hcpcs_file))
    seen = {r.key for r in records}
    for folder in config.documents:
        docs = load_documents(folder)
        warnings.extend(docs.warnings)
        hashes.update(docs.hashes)
        for record in docs.records:
            if record.key in seen:
                warnings.append(
                    LoadWarning(
                        record.source.location,
                        f"skipped: {record.system} {record.code} already loaded from another "
                        "source",
                    )
                )
                continue
            seen.add(record.key)
            records.append(record)
    logger.info("loaded %d records (%d warnings)", len(records), len(warnings))
    return Corpus(tuple(records), tuple(warnings), hashes, pcs_tables)


def parse_systems(values: Sequence[str]) -> tuple[System, ...]:
    """Validate system names given on a command line (case-insensitive)."""
    known: dict[str, System] = {
        "cpt": "CPT",
        "hcpcs": "HCPCS",
        "icd-10-cm": "ICD-10-CM",
        "icd10cm": "ICD-10-CM",
        "cm": "ICD-10-CM",
        "icd-10-pcs": "ICD-10-PCS",
        "icd10pcs": "ICD-10-PCS",
        "pcs": "ICD-10-PCS",
    }
    out: list[System] = []
    for value in values:
        for part in value.split(","):
            key = part.strip().lower()
            if key not in known:
                raise ValueError(
                    f"unknown code system {part!r}; use one of {sorted(set(known.values()))}"
                )
            out.append(known[key])
    return tuple(dict.fromkeys(out))
