"""Command line: `python -m rag ingest|search|ask|eval|list|remove|collections|copy-to-qdrant`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from config.settings import Settings, load_settings
from rag.answer.chain import ask, build_chain
from rag.index.embeddings import EmbeddingModelError
from rag.index.ingest import FileReport, ingest_paths
from rag.index.qdrant.connection import local_path, safe_url
from rag.index.store import KnowledgeBase, copy_to_qdrant, delete_collection, list_collections, open_collection
from rag.index.types import CollectionError
from rag.search.evaluation import comparison_table, evaluate, load_questions, parse_configuration
from rag.search.rerank import RerankerError
from rag.search.retrieval import RetrievalOptions, SearchResult, retrieval_options, retriever_for


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, help="where collections live (default: CONVERSA_DATA_DIR or data/)")
    common.add_argument("--collection", help="collection name (default: CONVERSA_COLLECTION or 'default')")
    parser = argparse.ArgumentParser(prog="python -m rag", description="Conversa: chat with your PDFs.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", parents=[common], help="add PDF files or folders of PDFs")
    p.add_argument("paths", nargs="+", type=Path)
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


def _open(settings: Settings) -> KnowledgeBase:
    collection = open_collection(settings, settings.collection)
    if collection.embedding.notice:
        print(f"Notice: {collection.embedding.notice}", file=sys.stderr)
    return collection


def _cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    collection = _open(settings)
    bars: list[tqdm] = []

    def on_file(path: Path):
        for bar in bars:
            bar.close()
        bars.clear()

        def progress(done: int, total: int) -> None:
            if not bars:
                bars.append(tqdm(total=total, desc=path.name[:40], unit="chunk", file=sys.stderr, leave=False))
            bars[0].update(done - bars[0].n)

        return progress

    reports: list[FileReport] = ingest_paths(
        collection, args.paths, password=args.password, on_file=on_file, max_upload_mb=settings.max_upload_mb
    )
    for bar in bars:
        bar.close()
    for report in reports:
        print(report.describe())
    rejected = sum(not r.ok for r in reports)
    print(
        f"{len(reports) - rejected} of {len(reports)} files indexed in collection '{collection.name}' "
        f"({collection.chunk_count()} chunks in all)."
    )
    return 1 if reports and rejected == len(reports) else 0


def _read_history(path: Path | None) -> list[dict]:
    if path is None:
        return []
    history = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(history, list):
        raise ValueError(f"{path} must hold a JSON list of {{'role', 'content'}} objects.")
    return history


def _searcher(collection: KnowledgeBase, k: int, options: RetrievalOptions):
    chain = build_chain(retriever_for(collection, k, options), llm=None, follow_up="concat")

    def run(question: str, history: list[dict]) -> SearchResult:
        answer = ask(chain, question, history)
        for _ in answer.tokens():
            pass
        if answer.error:
            raise RuntimeError(answer.error)
        assert answer.retrieval is not None
        return answer.retrieval

    return run


def _print_result(result: SearchResult, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
        return
    if result.search_query != result.question:
        print(f"(searched for: {result.search_query})")
    if result.covered is False:
        print("The documents do not seem to cover this question; the closest passages:")
    for s in result.sources:
        print(f"[{s.number}] {s.doc}, p. {s.page} (score {s.score:.3f})\n    {s.text[:300]}")


def _cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    run = _searcher(_open(settings), args.k or settings.top_k, retrieval_options(settings))
    if args.batch:
        with open(args.batch, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    item = json.loads(line)
                    _print_result(run(item["question"], item.get("history") or []), True)
        return 0
    if not args.question:
        print("search needs a QUESTION or --batch FILE.jsonl", file=sys.stderr)
        return 2
    _print_result(run(args.question, _read_history(args.history)), args.json)
    return 0


def _cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from rag.cli.ask import run_ask

    return run_ask(args, settings, _open(settings))


def _cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    collection = _open(settings)
    questions = load_questions(args.questions)
    base = retrieval_options(settings)
    if not args.compare:
        report = evaluate(_searcher(collection, args.k, base), questions, args.k)
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1) if args.json else report.table())
        return 0
    names = [name.strip() for name in args.compare.split(",") if name.strip()]
    configurations = {name: parse_configuration(name, base) for name in names}  # every name checked before any run
    reports = {
        name: evaluate(_searcher(collection, args.k, options), questions, args.k)
        for name, options in configurations.items()
    }
    if args.json:
        print(json.dumps({name: r.to_json() for name, r in reports.items()}, ensure_ascii=False, indent=1))
    else:
        print(comparison_table(reports))
    return 0


def _cmd_list(args: argparse.Namespace, settings: Settings) -> int:
    if settings.collection not in list_collections(settings):
        print(f"Collection '{settings.collection}' is empty.")
        return 0
    collection = _open(settings)
    print(f"Collection '{collection.name}' ({collection.info.embedding_model}):")
    for doc in collection.documents():
        print(f"  {doc.name}: {doc.pages} pages, {doc.chunks} chunks, added {doc.added_at}")
    if not collection.documents():
        print("  (no documents)")
    return 0


def _cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    if _open(settings).remove(args.doc):
        print(f"Removed {args.doc}.")
        return 0
    print(f"No document named {args.doc} in collection '{settings.collection}'.", file=sys.stderr)
    return 1


def _cmd_collections(args: argparse.Namespace, settings: Settings) -> int:
    if args.delete:
        delete_collection(settings, args.delete)
        print(f"Deleted collection '{args.delete}'.")
        return 0
    for name in list_collections(settings):
        print(name)
    return 0


def _cmd_copy_to_qdrant(args: argparse.Namespace, settings: Settings) -> int:
    target = settings.model_copy(update={"vector_store": "qdrant"})
    for doc, status in copy_to_qdrant(target, settings.collection):
        print(f"{doc}: {status}")
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
        return _COMMANDS[args.command](args, _settings(args))
    except (CollectionError, EmbeddingModelError, RerankerError, ValueError, OSError) as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
