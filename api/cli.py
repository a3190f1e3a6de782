"""The ``medcode`` command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from corpus.errors import CorpusError
from corpus.loader import DEFAULT_SYSTEMS, CorpusConfig, load_corpus, parse_systems


def _corpus_config(args: argparse.Namespace) -> CorpusConfig:
    systems = parse_systems(args.systems) if args.systems else DEFAULT_SYSTEMS
    return CorpusConfig(
        systems=systems,
        documents=tuple(Path(d) for d in (args.documents or [])),
        cm_xml=Path(args.cm_xml) if args.cm_xml else None,
        pcs_file=Path(args.pcs_file) if args.pcs_file else None,
        hcpcs_file=Path(args.hcpcs) if args.hcpcs else None,
    )


def _add_corpus_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--documents", action="append", metavar="DIR", help="folder of code pages")
    p.add_argument("--systems", action="append", metavar="S", help="code sets (default: CM, PCS)")
    p.add_argument("--hcpcs", metavar="FILE", help="CMS HCPCS release file")
    p.add_argument("--cm-xml", metavar="FILE", help="ICD-10-CM tabular XML (default: packaged)")
    p.add_argument("--pcs-file", metavar="FILE", help="ICD-10-PCS order file or code list")


def cmd_corpus_stats(args: argparse.Namespace) -> int:
    corpus = load_corpus(_corpus_config(args))
    for w in corpus.warnings:
        print(f"warning: {w}", file=sys.stderr)
    stats = corpus.stats()
    if args.json:
        payload = {
            "systems": {
                s: {"codes": v.codes, "billable": v.billable, "versions": list(v.versions)}
                for s, v in stats.items()
            },
            "warnings": [str(w) for w in corpus.warnings],
        }
        print(json.dumps(payload, indent=2))
    else:
        print(f"{'system':<12} {'codes':>8} {'billable':>9}  version")
        for s, v in stats.items():
            print(f"{s:<12} {v.codes:>8} {v.billable:>9}  {'; '.join(v.versions)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medcode", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO")
    sub = parser.add_subparsers(dest="command", required=True)

    corpus = sub.add_parser("corpus", help="inspect the corpus").add_subparsers(
        dest="action", required=True
    )
    stats = corpus.add_parser("stats", help="codes and billable codes per system, with versions")
    _add_corpus_args(stats)
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(func=cmd_corpus_stats)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(args.func(args))
    except (CorpusError, ValueError, OSError) as exc:
        print(f"medcode: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
