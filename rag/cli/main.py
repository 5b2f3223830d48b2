"""Command line: `python -m rag ingest|search|ask|eval|list|remove|collections|copy-to-qdrant`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from config.settings import Settings, load_settings
from i18n import FALLBACK, counted, localize
from rag.core import Conversa, InputError
from rag.documents.formats import SUPPORTED_SUFFIXES, parts_noun
from rag.index.embeddings import EmbeddingModelError
from rag.index.ingest import FileReport
from rag.index.qdrant.connection import local_path, safe_url
from rag.index.store import copy_to_qdrant
from rag.index.types import CollectionError, printable
from rag.search.evaluation import comparison_table, load_questions, parse_configuration
from rag.search.excerpt import excerpt
from rag.search.rerank import RerankerError
from rag.search.retrieval import SearchResult, cited_location

# The command line's wording of sentences that, in the app, point at the sidebar (i18n catalogue's "cli").
CLI = "cli"


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, help="where collections live (default: CONVERSA_DATA_DIR or data/)")
    common.add_argument("--collection", help="collection name (default: CONVERSA_COLLECTION or 'default')")
    parser = argparse.ArgumentParser(prog="python -m rag", description="Conversa: chat with your PDFs.")
    sub = parser.add_subparsers(dest="command", required=True)

    kinds = ", ".join(SUPPORTED_SUFFIXES)
    p = sub.add_parser("ingest", parents=[common], help=f"add documents ({kinds}) or folders of them")
    p.add_argument("paths", nargs="+", type=Path, help=f"files, or folders whose {kinds} files are all added")
    p.add_argument("--password", help="password for encrypted PDFs")

    p = sub.add_parser("search", parents=[common], help="find passages (no LLM needed)")
    p.add_argument("question", nargs="?")
    p.add_argument("--k", type=int)
    p.add_argument("--history", type=Path, help='JSON file: [{"role": "user"|"assistant", "content": ...}, ...]')
    p.add_argument("--batch", type=Path, help='JSONL file: {"question": ..., "history": [...]} per line')
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("ask", parents=[common], help="answer a question from the documents, streamed")
    p.add_argument("question")
    p.add_argument("--provider", help="ollama, groq, openai, hf or fake (default: CONVERSA_LLM_PROVIDER)")
    p.add_argument("--model")
    p.add_argument("--k", type=int)
    p.add_argument("--history", type=Path)
    p.add_argument("--follow-up", choices=["concat", "llm"], help="how follow-up questions are made standalone")
    p.add_argument("--json", action="store_true", help="print one JSON object: answer, sources, check")

    p = sub.add_parser("eval", parents=[common], help="retrieval quality over a question set")
    p.add_argument("questions", type=Path)
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--compare",
        metavar="CONFIGS",
        help="comma-separated configurations to run in one go and print as one table, e.g. "
        "dense+concat,hybrid+concat,hybrid+fused "
        "(parts: dense|hybrid, convex|rrf, types|notypes, concat|fused[:W], rerank)",
    )

    sub.add_parser("list", parents=[common], help="documents in the collection")
    p = sub.add_parser("remove", parents=[common], help="remove a document by file name")
    p.add_argument("doc")
    sub.add_parser(
        "copy-to-qdrant",
        parents=[common],
        help="copy a FAISS collection into Qdrant (QDRANT_URL, or local mode) without embedding it again",
    )
    p = sub.add_parser("collections", parents=[common], help="list collections, or delete one")
    p.add_argument("--delete", metavar="NAME")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    overrides = {}
    if args.data_dir:
        overrides["data_dir"] = args.data_dir
    if args.collection:
        overrides["collection"] = args.collection
    return settings.model_copy(update=overrides)


def _core(settings: Settings) -> Conversa:
    return Conversa(settings)


def _cmd_ingest(args: argparse.Namespace, core: Conversa) -> int:
    core.files_to_ingest(args.paths)  # an empty folder is refused before any model loads
    bars: list[tqdm] = []

    shown: list[tuple[Path, str]] = []  # which file and unit the open bar counts

    def bar_for(path: Path, unit: str):
        """A progress callback: a bar counting `unit`s of `path` (with rate and time left), replacing the last one."""

        def progress(done: int, total: int) -> None:
            if shown != [(path, unit)]:
                for bar in bars:
                    bar.close()
                bars.clear()
                shown[:] = [(path, unit)]
                label = printable(path.name)[:40]
                bars.append(tqdm(total=total, desc=label, unit=unit, file=sys.stderr, leave=False))
            bars[0].update(done - bars[0].n)

        return progress

    reports: list[FileReport] = core.ingest(
        args.paths,
        password=args.password,
        on_file=lambda path: bar_for(path, "chunk"),
        on_ocr=lambda path: bar_for(path, "OCR page"),
    )
    for bar in bars:
        bar.close()
    for report in reports:
        print(report.describe())
    rejected = sum(not r.ok for r in reports)
    kb = core.collection()
    print(
        f"{len(reports) - rejected} of {len(reports)} files indexed in collection '{kb.name}' "
        f"({kb.chunk_count()} chunks in all)."
    )
    return 1 if reports and rejected == len(reports) else 0


def _read_history(path: Path | None) -> list:
    if path is None:
        return []
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"{path} is not a JSON file ({exc}): it must hold a JSON list of turns.") from None


def _print_result(result: SearchResult, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
        return
    if result.search_query != result.question:
        print(f"(searched for: {result.search_query})")
    if result.covered is False:
        print("The documents do not seem to cover this question; the closest passages:")
    # Ranks, not scores: a fused score above 1 (the answer-type boost) reads like a bug; --json keeps them.
    for s in result.sources:
        where = printable(cited_location(s))
        print(f"[{s.number}] {printable(s.doc)}, {where}\n    {printable(excerpt(s.text, result.search_query))}")


def _cmd_search(args: argparse.Namespace, core: Conversa) -> int:
    if args.batch:
        return _search_batch(args, core)
    if args.question is None:
        print("search needs a QUESTION or --batch FILE.jsonl", file=sys.stderr)
        return 2
    _print_result(core.search(args.question, _read_history(args.history), args.k), args.json)
    return 0


def _search_batch(args: argparse.Namespace, core: Conversa) -> int:
    """One JSON line out per question line in; a bad line is reported on stderr and the batch goes on."""
    failed = 0
    with open(args.batch, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or "question" not in item:
                    raise InputError('the line is not a JSON object with a "question"')
                result = core.search(item["question"], item.get("history") or [], args.k)
            except (ValueError, InputError) as exc:
                failed += 1
                print(f"Error: {args.batch}, line {number}: {exc}", file=sys.stderr)
                continue
            _print_result(result, True)
    return 1 if failed else 0


def _cmd_ask(args: argparse.Namespace, core: Conversa) -> int:
    from rag.cli.ask import run_ask

    return run_ask(args, core, _read_history(args.history))


def _cmd_eval(args: argparse.Namespace, core: Conversa) -> int:
    questions = load_questions(args.questions)
    base = core.options()
    if not args.compare:
        report = core.evaluate(questions, args.k)
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1) if args.json else report.table())
        return 0
    names = [name.strip() for name in args.compare.split(",") if name.strip()]
    configurations = {name: parse_configuration(name, base) for name in names}  # every name checked before any run
    reports = {name: core.evaluate(questions, args.k, options) for name, options in configurations.items()}
    if args.json:
        print(json.dumps({name: r.to_json() for name, r in reports.items()}, ensure_ascii=False, indent=1))
    else:
        print(comparison_table(reports))
    return 0


def _cmd_list(args: argparse.Namespace, core: Conversa) -> int:
    kb = core.existing_collection()
    print(f"Collection '{kb.name}' ({kb.info.embedding_model}):")
    for doc in kb.documents():
        parts = counted(doc.pages, parts_noun(doc.format), FALLBACK)
        print(f"  {printable(doc.name)}: {parts}, {doc.chunks} chunks, added {doc.added_at}")
    if not kb.documents():
        print("  (no documents)")
    return 0


def _cmd_remove(args: argparse.Namespace, core: Conversa) -> int:
    if core.remove(args.doc):
        print(f"Removed {printable(args.doc)}.")
        return 0
    name = core.settings.collection
    print(f"No document named {printable(args.doc)} in collection '{name}'.", file=sys.stderr)
    return 1


def _cmd_collections(args: argparse.Namespace, core: Conversa) -> int:
    if args.delete:
        core.delete_collection(args.delete)
        print(f"Deleted collection '{printable(args.delete)}'.")
        return 0
    for name in core.collection_names():
        print(name)
    return 0


def _cmd_copy_to_qdrant(args: argparse.Namespace, core: Conversa) -> int:
    settings = core.settings
    target = settings.model_copy(update={"vector_store": "qdrant"})
    for doc, status in copy_to_qdrant(target, settings.collection):
        print(f"{printable(doc)}: {status}")
    where = safe_url(target.qdrant_url) if target.qdrant_url else local_path(target)
    print(f"Collection '{settings.collection}' copied to Qdrant at {where}; use it with CONVERSA_VECTOR_STORE=qdrant.")
    return 0


_COMMANDS = {
    "ingest": _cmd_ingest,
    "search": _cmd_search,
    "ask": _cmd_ask,
    "eval": _cmd_eval,
    "list": _cmd_list,
    "remove": _cmd_remove,
    "collections": _cmd_collections,
    "copy-to-qdrant": _cmd_copy_to_qdrant,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args, _core(_settings(args)))
    except (CollectionError, EmbeddingModelError, RerankerError, ValueError, OSError) as exc:
        print(f"Error: {localize(exc, CLI)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
