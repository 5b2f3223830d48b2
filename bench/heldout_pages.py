"""Draw the pages the held-out retrieval questions are written from, and check the set.

The held-out set (bench/heldout_questions.jsonl) was written blind to how
retrieval scores (no retrieval was run while writing it), from pages drawn
uniformly at random, without replacement, over all 198 pages of the five PDFs
at the top of ../shared/corpus (``corpus/*.pdf``, not the subfolders):

    SEED = 20261202, DRAWN = 120 pages (of 198), ``random.Random(SEED).sample``
    over the sorted (doc, page) pairs.

Questions were written page by page in draw order. 110 of the 120 drawn pages
carry questions; 10 were skipped for lack of content to ask about: draws #22
(curso-langchain-slides p18, leaderboard checkboxes only), #29, #38, #62, #85,
#118 (microcurso p64, p104, p75, p105, p32: pip install logs), #57 and #77
(microcurso p49, p90: model output only), #84 (curso-langchain-slides p42, one
line) and #89 (microcurso p51: repeats the prompt already asked about on p52).
Every answerable question's ``doc``/``page`` is a drawn page and each evidence
passage is verbatim in that page's text as pypdf extracts it, whitespace
collapsed (``--check`` verifies both).

Unanswerable questions have ``answer: "not in the documents"``, ``evidence: []``
and ``doc``/``page`` null, as in the dev set. held-279..held-304 are NEAR-topic
(things the documents discuss but do not state: a price, a benchmark score, a
year, a size that is not given); for each, the whole corpus text was searched
(``--grep``) to confirm the answer is stated nowhere. held-305..held-324 are
off-topic.

Usage:
    python bench/heldout_pages.py                 # print the drawn pages, in draw order
    python bench/heldout_pages.py --list          # only doc and page, in draw order
    python bench/heldout_pages.py --grep REGEX    # search the collapsed text of every page
    python bench/heldout_pages.py --check         # validate bench/heldout_questions.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from pathlib import Path

from pypdf import PdfReader

SEED = 20261202
DRAWN = 120
ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
QUESTIONS = Path(__file__).resolve().parent / "heldout_questions.jsonl"
MINIMUMS = {
    "crosslingual": 40,
    "followup": 30,
    "unanswerable": 30,
    "definition": 12,
    "number": 12,
    "list": 12,
    "fact": 12,
}
TOTAL_MIN = 150
NEAR_TOPIC = range(279, 305)  # held-279..held-304: unanswerable, near-topic; the other unanswerable ones are off-topic


def collapse(text: str) -> str:
    return " ".join(text.split())


def corpus_pages(corpus: Path = CORPUS) -> dict[tuple[str, int], str]:
    """(doc, 1-based page) -> page text as pypdf extracts it, whitespace collapsed."""
    pages: dict[tuple[str, int], str] = {}
    for pdf in sorted(corpus.glob("*.pdf")):
        reader = PdfReader(str(pdf))
        for number, page in enumerate(reader.pages, start=1):
            pages[(pdf.name, number)] = collapse(page.extract_text() or "")
    return pages


def draw(pages: dict[tuple[str, int], str], seed: int = SEED, n: int = DRAWN) -> list[tuple[str, int]]:
    keys = sorted(pages)
    return random.Random(seed).sample(keys, n)


def check(pages: dict[tuple[str, int], str], path: Path = QUESTIONS) -> int:
    drawn = set(draw(pages))
    errors: list[str] = []
    ids: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    langs: Counter[str] = Counter()
    questions: Counter[str] = Counter()
    fields = {"id", "question", "answer", "evidence", "doc", "page", "lang", "kind"}
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in rows:
        rid = row.get("id", "?")
        ids[rid] += 1
        kinds[row.get("kind")] += 1
        langs[(row.get("kind"), row.get("lang"))] += 1
        questions[row.get("question", "").strip().lower()] += 1
        missing = fields - row.keys()
        if missing:
            errors.append(f"{rid}: missing fields {sorted(missing)}")
            continue
        if not re.fullmatch(r"held-\d{3}", rid):
            errors.append(f"{rid}: id is not held-NNN")
        if row["kind"] not in MINIMUMS:
            errors.append(f"{rid}: unknown kind {row['kind']!r}")
        if row["lang"] not in ("pt", "en"):
            errors.append(f"{rid}: lang {row['lang']!r}")
        if row["kind"] == "crosslingual" and row["lang"] != "en":
            errors.append(f"{rid}: crosslingual question not in English")
        if row["kind"] == "followup":
            history = row.get("history")
            if not history or not all(
                isinstance(t, dict) and t.get("role") in ("user", "assistant") and t.get("content") for t in history
            ):
                errors.append(f"{rid}: followup without a valid history")
        elif "history" in row:
            errors.append(f"{rid}: history on a non-followup question")
        if row["kind"] == "unanswerable":
            if row["evidence"] or row["doc"] is not None or row["page"] is not None:
                errors.append(f"{rid}: unanswerable must have evidence [] and doc/page null")
            if row["answer"] != "not in the documents":
                errors.append(f"{rid}: unanswerable answer should be 'not in the documents'")
            continue
        key = (row["doc"], row["page"])
        if key not in pages:
            errors.append(f"{rid}: no such doc/page {key}")
            continue
        if key not in drawn:
            errors.append(f"{rid}: {key} is not one of the {DRAWN} drawn pages")
        if not row["evidence"]:
            errors.append(f"{rid}: no evidence")
        for ev in row["evidence"]:
            words = len(ev.split())
            if not 6 <= words <= 20:
                errors.append(f"{rid}: evidence has {words} words: {ev!r}")
            if ev != collapse(ev):
                errors.append(f"{rid}: evidence whitespace not collapsed: {ev!r}")
            if collapse(ev) not in pages[key]:
                errors.append(f"{rid}: evidence not verbatim on {key}: {ev!r}")
    for rid, n in ids.items():
        if n > 1:
            errors.append(f"duplicate id {rid} ({n}x)")
    for q, n in questions.items():
        if n > 1:
            errors.append(f"duplicate question {q!r}")
    for kind, minimum in MINIMUMS.items():
        if kinds[kind] < minimum:
            errors.append(f"kind {kind}: {kinds[kind]} < {minimum}")
    if len(rows) < TOTAL_MIN:
        errors.append(f"{len(rows)} questions < {TOTAL_MIN}")
    unanswerable = [r for r in rows if r.get("kind") == "unanswerable"]
    near = [r for r in unanswerable if int(r["id"].split("-")[1]) in NEAR_TOPIC]
    for rid in NEAR_TOPIC:
        if not any(r["id"] == f"held-{rid:03d}" for r in near):
            errors.append(f"held-{rid:03d} should be a near-topic unanswerable question")
    if 2 * len(near) < len(unanswerable):
        errors.append(f"only {len(near)} of {len(unanswerable)} unanswerable questions are near-topic")
    used = {(r["doc"], r["page"]) for r in rows if r.get("doc")}
    print(f"{len(rows)} questions from {len(used)} drawn pages (seed {SEED}, {DRAWN} drawn)")
    for kind in MINIMUMS:
        by_lang = ", ".join(f"{lang} {n}" for (k, lang), n in sorted(langs.items()) if k == kind)
        print(f"  {kind:13s} {kinds[kind]:3d}  (min {MINIMUMS[kind]}; {by_lang})")
    print(f"  unanswerable: {len(near)} near-topic, {len(unanswerable) - len(near)} off-topic")
    for e in errors:
        print("ERROR", e)
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="validate the held-out questions")
    ap.add_argument("--list", action="store_true", help="print only doc and page of the drawn pages")
    ap.add_argument("--grep", metavar="REGEX", help="case-insensitive search over all pages")
    ap.add_argument("--questions", type=Path, default=QUESTIONS)
    args = ap.parse_args(argv)
    pages = corpus_pages()
    if args.check:
        return check(pages, args.questions)
    if args.grep:
        rx = re.compile(args.grep, re.I)
        for (doc, page), text in sorted(pages.items()):
            for m in rx.finditer(text):
                print(f"{doc} p{page}: ...{text[max(0, m.start() - 80) : m.end() + 80]}...")
        return 0
    for i, (doc, page) in enumerate(draw(pages), start=1):
        if args.list:
            print(f"{i:3d} {doc} {page}")
        else:
            print(f"=== #{i} {doc} page {page}\n{pages[(doc, page)]}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
