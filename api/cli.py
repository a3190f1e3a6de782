"""The ``medcode`` command line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from api.settings import Settings
from corpus.errors import MedcodeError
from corpus.limits import BACKENDS, MAX_K
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


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "index_dir", None):
        overrides["index_dir"] = Path(args.index_dir)
    if getattr(args, "model", None):
        overrides["model"] = args.model
    if getattr(args, "backend", None):
        overrides["backend"] = args.backend
    for name in ("host", "port", "workers"):
        if getattr(args, name, None) is not None:
            overrides[name] = getattr(args, name)
    return Settings(**overrides)


def cmd_index_build(args: argparse.Namespace) -> int:
    from index.build import build_index
    from index.embedding.factory import load_embedder

    settings = _settings(args)
    config = _corpus_config(args)
    # The model loads (and on first use exports to ONNX) while the code sets are parsed.
    with ThreadPoolExecutor(1) as pool:
        loading = pool.submit(load_embedder, settings.model, settings.backend, settings.cache_dir)
        corpus = load_corpus(config)
        for w in corpus.warnings:
            print(f"warning: {w}", file=sys.stderr)
        embedder = loading.result()
    report = build_index(
        corpus, settings.index_dir, embedder, settings.cache_dir, progress=not args.quiet
    )
    print(
        f"index built in {report.seconds:.1f}s at {report.version_dir}: {report.records} records, "
        f"{report.chunks} chunks, {report.dense_vectors} vectors ({report.dense_kind}; "
        f"{report.embedded} embedded, {report.cached} from cache)"
    )
    if args.verbose:
        print("timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in report.timings.items()))
    return 0


def cmd_index_status(args: argparse.Namespace) -> int:
    from index.layout import current_dir
    from index.manifest import read_manifest, verify_files

    settings = _settings(args)
    folder = current_dir(settings.index_dir)
    manifest = read_manifest(folder)
    verify_files(folder, manifest, checksums=True)
    size = manifest.total_bytes
    if args.json:
        payload = {"folder": str(folder), "bytes": size, **manifest.to_json()}
        print(json.dumps(payload, indent=2, sort_keys=True))
        return 0
    model = manifest.model
    print(f"index:   {folder} ({size / 1e6:.1f} MB, built {manifest.built_at})")
    print(
        f"model:   {model.name} [{model.backend}, dim {model.dimension}, "
        f"sha256 {model.sha256[:12]}]"
    )
    print(
        f"vectors: {manifest.dense.vectors} ({manifest.dense.kind}); "
        f"chunks {manifest.chunks}; records {manifest.records}"
    )
    for system, v in manifest.code_sets.items():
        print(
            f"  {system:<11} {v.codes:>7} codes {v.billable:>7} billable  {'; '.join(v.versions)}"
        )
    print("files verified: ok")
    return 0


def _open_assistant(args: argparse.Namespace, calibrator: Any = None) -> Any:
    from assistant import Assistant

    settings = _settings(args)
    return Assistant.open(
        settings.index_dir,
        model=settings.model,
        backend=args.backend,  # None: the backend the index was built with
        cache_dir=settings.cache_dir,
        verify=settings.verify_checksums,
        calibrator=calibrator,
    )


def _snippet(text: str, width: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def cmd_search(args: argparse.Namespace) -> int:
    from api.schemas import SearchOut
    from api.serialize import to_json

    assistant = _open_assistant(args)
    response = assistant.search(
        args.query, system=args.system, k=args.k, billable_only=args.billable_only
    )
    if args.json:
        print(json.dumps(to_json(SearchOut, response), indent=2, ensure_ascii=False))
        return 0
    if response.expansions:
        print("understood: " + "; ".join(str(e) for e in response.expansions))
    groups = {"": list(response.results)} if args.system else response.by_system()
    if response.no_confident_match:
        print("no confident match (no result reaches confidence 0.5); nearest codes:")
    for system, results in groups.items():
        if system:
            print(f"\n== {system}")
        for r in results:
            flag = "" if r.billable else "  [not billable]"
            print(f"{r.code:<9} {r.confidence:4.0%}  {r.title}{flag}")
            for note in r.notes:
                print(f"          note: {note}")
            for c in r.citations[:1]:
                print(f"          “{_snippet(c.text)}” ({c.source}, {c.start}-{c.end})")
    if not response.results:
        print("no matching codes")
    return 0


def cmd_code(args: argparse.Namespace) -> int:
    """One code's record; an ICD-10-PCS code with its seven axes."""
    from api.schemas import RecordOut
    from api.serialize import record_view, to_json

    assistant = _open_assistant(args)
    record = assistant.code(args.system, args.code)
    axes = assistant.pcs_axes(record.code) if record.system == "ICD-10-PCS" else None
    if args.json:
        print(
            json.dumps(to_json(RecordOut, record_view(record, axes)), indent=2, ensure_ascii=False)
        )
        return 0
    flag = "billable" if record.billable else "not billable (a header: pick a child)"
    print(f"{record.system} {record.code}  {record.title}  [{flag}]")
    for parent in record.parents:
        print(f"  in {parent.level} {parent.code}: {parent.title}")
    for axis in axes or ():
        print(f"  {axis.position} {axis.name:<16} {axis.value}  {axis.meaning}")
    definition = record.attributes.get("root_operation_definition")
    if definition:
        print(f"  root operation: {definition}")
    for section in record.sections[1:]:
        if record.system != "ICD-10-PCS":
            print(f"  {section.name}: {_snippet(section.text, 200)}")
    return 0


def cmd_pcs(args: argparse.Namespace) -> int:
    """Compose an ICD-10-PCS code axis by axis."""
    from api.schemas import PcsBuildOut
    from api.serialize import pcs_build_view, to_json

    assistant = _open_assistant(args)
    build = assistant.build_pcs(args.query, args.k)
    if args.json:
        print(json.dumps(to_json(PcsBuildOut, pcs_build_view(build)), indent=2, ensure_ascii=False))
        return 0
    if build.built is None:
        print("no ICD-10-PCS code could be built")
        return 0
    built = build.built
    print(f"{built.code}")
    for axis, word in zip(built.axes, built.determined_by, strict=True):
        why = f"  <- {word}" if word else ""
        print(f"  {axis.position} {axis.name:<16} {axis.value}  {axis.meaning}{why}")
    for o in built.open_axes:
        choices = "; ".join(f"{c.value} {c.meaning}" for c in o.choices)
        print(f"  open: {o.name} (position {o.position}): {choices}")
    print("codes:")
    for r in build.results:
        print(f"  {r.code} {r.confidence:4.0%}  {r.title}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from assistant.evaluate import evaluate, load_cases

    assistant = _open_assistant(args)
    cases = load_cases(Path(args.file))

    def run(query: str, system: str | None, k: int) -> list[tuple[str, float]]:
        results = assistant.search(query, system=system, k=k).results
        return [(r.code, r.confidence) for r in results]

    report, outcomes = evaluate(cases, run, k=args.k)
    if args.json:
        print(json.dumps(_report_json(report), indent=2))
        return 0
    k = args.k
    head = f"{'':<28} {'n':>4} {'hit@1':>7} {f'hit@{k}':>7} {f'MRR@{k}':>7}"
    print(head.replace(" " * 28, f"{'system':<28}", 1))
    for name, m in report.by_system.items():
        print(f"{name:<28} {m.n:>4} {m.hit1:>7.3f} {m.hitk:>7.3f} {m.mrr:>7.3f}")
    if len(report.by_kind) > 1 or "-" not in report.by_kind:
        print(head.replace(" " * 28, f"{'kind':<28}", 1))
        for name, m in report.by_kind.items():
            print(f"{name:<28} {m.n:>4} {m.hit1:>7.3f} {m.hitk:>7.3f} {m.mrr:>7.3f}")
        print(head.replace(" " * 28, f"{'system / kind':<28}", 1))
        for (system, kind), m in report.by_system_kind.items():
            label = f"{system} / {kind}"
            print(f"{label:<28} {m.n:>4} {m.hit1:>7.3f} {m.hitk:>7.3f} {m.mrr:>7.3f}")
    if report.off_topic:
        share = f"{report.abstained:.3f}"
        print(f"off-topic: {report.off_topic} queries, {share} with no confident result")
    print(
        f"confidence: ECE {report.ece:.3f}; top answer confident for "
        f"{report.confident_share:.3f} of on-topic queries, "
        f"right in {report.confident_precision:.3f}"
    )
    if args.misses:
        for o in outcomes:
            if not o.top_correct:
                print(
                    f"MISS rank={o.rank} [{o.case.system or '-'} {o.case.kind or '-'}] "
                    f"{o.case.query!r} gold={list(o.case.gold)} got={list(o.codes[:5])} "
                    f"conf={o.top_confidence:.2f}"
                )
    return 0


def _report_json(report: Any) -> dict[str, Any]:
    return {
        "k": report.k,
        "systems": {s: vars(m) for s, m in report.by_system.items()},
        "kinds": {s: vars(m) for s, m in report.by_kind.items()},
        "system_kinds": {f"{s} / {k}": vars(m) for (s, k), m in report.by_system_kind.items()},
        "off_topic": {"n": report.off_topic, "abstained": report.abstained},
        "confidence": {
            "ece": report.ece,
            "confident_share": report.confident_share,
            "confident_precision": report.confident_precision,
        },
    }


def cmd_eval_notes(args: argparse.Namespace) -> int:
    """Recall, precision and forbidden codes of the recommended codes on a notes folder."""
    from assistant.notes_eval import evaluate_notes, load_notes

    assistant = _open_assistant(args)
    cases = load_notes(Path(args.folder))

    def recommend(text: str) -> list[tuple[str, str]]:
        return [(s.system, s.code) for s in assistant.suggest(text).suggestions]

    totals, details = evaluate_notes(cases, recommend)
    if args.json:
        payload = {
            s: {**vars(t), "recall": t.recall, "precision": t.precision} for s, t in totals.items()
        }
        print(json.dumps({"notes": len(cases), "systems": payload}, indent=2))
        return 0
    print(f"{len(cases)} notes")
    columns = ("required", "found", "recall", "recommended", "precision", "forbidden")
    print(f"{'system':<12} " + " ".join(f"{c:>11}" for c in columns))
    for system, t in totals.items():
        print(
            f"{system:<12} {t.required:>11} {t.found:>11} {t.recall:>11.3f} {t.recommended:>11} "
            f"{t.precision:>11.3f} {t.forbidden:>11}"
        )
    if args.details:
        for case, scores in details:
            line = "; ".join(
                f"{s.system} found {s.found}/{s.required}, right {s.correct}/{s.recommended}, "
                f"forbidden {s.forbidden}"
                for s in scores
            )
            print(f"  {case.name}: {line}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit the confidence model on dev sets' searches (and signals recorded when other dev
    sets were new) and write it as JSON; or, with --record, write the signals only."""
    from assistant.confidence import (
        RECORDED_WEIGHT,
        Calibrator,
        RecordedRow,
        fit,
        read_recorded,
        save,
        write_recorded,
    )
    from assistant.evaluate import OFF_TOPIC, load_cases

    assistant = _open_assistant(args, Calibrator.uninformed())
    found_rows: list[RecordedRow] = []
    for name in args.files:
        for number, case in enumerate(load_cases(Path(name))):
            response, found = assistant.retriever.search_with_signals(
                case.query, system=case.system or None, k=args.k
            )
            for r in response.results:
                signals = found.get((r.system, r.code))
                if signals is None:  # a code typed in the query: confidence 1 by rule
                    continue
                right = case.kind != OFF_TOPIC and case.is_hit(r.code)
                found_rows.append(RecordedRow(number, r.code, right, signals))
    manifest = assistant.index.manifest
    stamp = (
        f"{' + '.join(Path(name).name for name in args.files)}; model {manifest.model.name} "
        f"{manifest.model.sha256[:12]}; index built {manifest.built_at}"
    )
    if args.record:
        write_recorded(Path(args.record), found_rows, stamp)
        print(f"recorded {len(found_rows)} results -> {args.record}")
        return 0
    recorded = [row for name in args.recorded for row in read_recorded(Path(name))]
    weight = RECORDED_WEIGHT if args.recorded_weight is None else args.recorded_weight
    rows = found_rows + recorded * weight
    if args.recorded:
        stamp += f"; recorded {' + '.join(Path(name).name for name in args.recorded)} x{weight}"
    calibrator = fit([r.signals for r in rows], [r.right for r in rows], stamp)
    save(calibrator, Path(args.out))
    print(f"fitted on {len(rows)} results ({sum(r.right for r in rows)} right) -> {args.out}")
    return 0


def cmd_suggest(args: argparse.Namespace) -> int:
    from api.schemas import SuggestOut
    from api.serialize import to_json

    raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    assistant = _open_assistant(args)
    response = assistant.suggest(raw)
    if args.json:
        print(json.dumps(to_json(SuggestOut, response), indent=2, ensure_ascii=False))
        return 0
    print(f"{response.statements} statements read ({response.setting} note)")
    for system, suggestions in response.by_system().items():
        print(f"\n== {system}: recommended")
        for s in suggestions:
            print(f"{s.code:<9} {s.confidence:4.0%}  {s.title}")
            print(f"          why: {s.rationale}")
            for e in s.evidence:
                span = f"{e.section} {e.start}-{e.end}"
                print(f"          evidence [{span}]: “{_snippet(e.text, 120)}”")
            for c in s.citations[:1]:
                print(f"          source: “{_snippet(c.text, 120)}” ({c.source})")
            for n in s.notes:
                print(f"          note: {n}")
    if response.alternatives:
        print("\n== alternatives (considered, not recommended)")
        for a in response.alternatives:
            print(f"  {a.system} {a.code:<9} {a.confidence:4.0%}  {a.title}: {a.why}")
    if response.excluded:
        print("\n== statements coded nothing")
        for e in response.excluded:
            print(f"  {e.reason:<24} [{e.section} {e.start}-{e.end}] “{_snippet(e.text, 90)}”")
    if not response.suggestions:
        print("no codes suggested")
    return 0


def _add_index_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index-dir", metavar="DIR", help="index folder (env MEDCODE_INDEX_DIR)")
    p.add_argument("--model", help="embedding model: 'bundled' or a directory (env MEDCODE_MODEL)")
    p.add_argument("--backend", choices=BACKENDS, help="embedding backend")


def cmd_serve(args: argparse.Namespace) -> int:
    from api.serving import REUSE_PORT, bind_socket, reserve_port, serve_one, serve_workers
    from index.layout import current_dir
    from index.manifest import read_manifest, verify_files

    settings = _settings(args)
    folder = current_dir(settings.index_dir)  # fail fast, before the model loads
    verify_files(folder, read_manifest(folder), checksums=False)
    level = "info" if args.verbose else "warning"
    if settings.workers > 1:  # each worker listens on the port and loads the index
        reserved = reserve_port(settings.host, settings.port) if REUSE_PORT else None
        if reserved is None:  # no SO_REUSEPORT: check the port, gunicorn binds it again
            bind_socket(settings.host, settings.port).close()
        try:
            return serve_workers(
                settings, level, lambda address: _say_serving(settings, address), reserved
            )
        finally:
            if reserved is not None:
                reserved.close()
    sock = bind_socket(settings.host, settings.port)  # a port in use stops here
    return serve_one(settings, sock, level, lambda address: _say_serving(settings, address))


def _say_serving(settings: Settings, address: tuple[Any, ...]) -> None:
    host, port = address[0], address[1]
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    workers = f" with {settings.workers} workers" if settings.workers > 1 else ""
    print(f"medcode serving {settings.index_dir} on http://{where}/{workers}", flush=True)


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

    index = sub.add_parser("index", help="build or inspect the index").add_subparsers(
        dest="action", required=True
    )
    build = index.add_parser("build", help="build the index (default: ICD-10-CM + ICD-10-PCS)")
    _add_corpus_args(build)
    _add_index_args(build)
    build.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    build.set_defaults(func=cmd_index_build)
    status = index.add_parser("status", help="show and verify the live index")
    _add_index_args(status)
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_index_status)

    search = sub.add_parser("search", help="search codes for a free-text question")
    search.add_argument("query")
    search.add_argument("--system", help="CPT, HCPCS, ICD-10-CM or ICD-10-PCS")
    search.add_argument("--k", type=int, default=10, help=f"results (1-{MAX_K}, default 10)")
    search.add_argument("--billable-only", action="store_true")
    search.add_argument("--json", action="store_true")
    _add_index_args(search)
    search.set_defaults(func=cmd_search)

    code = sub.add_parser("code", help="one code's record (PCS: its seven axes)")
    code.add_argument("system", help="CPT, HCPCS, ICD-10-CM or ICD-10-PCS")
    code.add_argument("code")
    code.add_argument("--json", action="store_true")
    _add_index_args(code)
    code.set_defaults(func=cmd_code)

    pcs = sub.add_parser("pcs", help="compose an ICD-10-PCS code axis by axis")
    pcs.add_argument("query")
    pcs.add_argument("--k", type=int, default=10)
    pcs.add_argument("--json", action="store_true")
    _add_index_args(pcs)
    pcs.set_defaults(func=cmd_pcs)

    suggestion = sub.add_parser("suggest", help="codes an operative note supports, with evidence")
    suggestion.add_argument("file", help="note file, or - for standard input")
    suggestion.add_argument("--json", action="store_true")
    _add_index_args(suggestion)
    suggestion.set_defaults(func=cmd_suggest)

    evaluation = sub.add_parser("eval", help="hit@1, hit@k and MRR@k on a JSONL dev set")
    evaluation.add_argument("file")
    evaluation.add_argument("--k", type=int, default=10)
    evaluation.add_argument("--json", action="store_true")
    evaluation.add_argument("--misses", action="store_true", help="list queries not ranked first")
    _add_index_args(evaluation)
    evaluation.set_defaults(func=cmd_eval)

    notes_eval = sub.add_parser(
        "eval-notes", help="recall, precision, forbidden codes on a folder of notes + gold"
    )
    notes_eval.add_argument("folder")
    notes_eval.add_argument("--json", action="store_true")
    notes_eval.add_argument("--details", action="store_true", help="per-note figures")
    _add_index_args(notes_eval)
    notes_eval.set_defaults(func=cmd_eval_notes)

    calibration = sub.add_parser(
        "calibrate", help="fit the confidence model on dev sets (JSONL) and write it"
    )
    calibration.add_argument("files", nargs="+", metavar="file")
    target = calibration.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", help="where to write the calibration JSON")
    target.add_argument(
        "--record",
        metavar="FILE",
        help="write the signals of these dev sets' results (JSONL) instead of fitting: "
        "record a dev set when it is new, before any change made while looking at it",
    )
    calibration.add_argument(
        "--recorded",
        nargs="*",
        default=[],
        metavar="FILE",
        help="signals recorded by --record (unseen queries as they behave), added to the fit",
    )
    calibration.add_argument(
        "--recorded-weight",
        type=int,
        help="times each recorded result counts (default: RECORDED_WEIGHT of "
        "assistant/confidence.py, 2)",
    )
    calibration.add_argument("--k", type=int, default=10)
    _add_index_args(calibration)
    calibration.set_defaults(func=cmd_calibrate)

    serve = sub.add_parser("serve", help="start the HTTP API, web page and chat widget")
    serve.add_argument("--host", help="address (env MEDCODE_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (env MEDCODE_PORT, default 8000)")
    serve.add_argument(
        "--workers",
        type=int,
        help="server processes, one per core for the most requests/s; each holds its own "
        "copy of the index (env MEDCODE_WORKERS, default 1)",
    )
    _add_index_args(serve)
    serve.set_defaults(func=cmd_serve)
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
    except (MedcodeError, ValueError, OSError) as exc:
        print(f"medcode: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
