"""Precision and recall of the citation check on the labelled set, for all items and for the even and odd halves.

    python bench/citation_check.py [--set bench/citation_set.jsonl] [--show]

Each line of the set is an answer over real corpus passages, labelled `faithful` or with the one error planted in
`flagged_sentence`: wrong_number, wrong_unit, wrong_name, wrong_source (the fact is in a given source the sentence
does not cite), invented_source (cites [n] beyond the sources given) or uncited (facts, no citation).
An error item counts as caught when a flag of the expected kind covers its labelled sentence (unsupported_fact for
the four wrong_* types). Precision counts flagged sentences: one is right when it is the labelled sentence of an
error item, flagged with the expected kind; every flag on a faithful item is a false positive.
Tuning looked at the even ids of citation_set.jsonl; the odd ids confirm. citation_set_blind.jsonl (43 answers on
other passages, `--set bench/citation_set_blind.jsonl`) was written after the checker and measured before the last
three generic fixes (digit ranges such as "1-8", units written before a number in tables, rates such as "por semana").
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from rag.answer.citations import Unsupported, check_answer  # noqa: E402

ERROR_TYPES = ["wrong_number", "wrong_unit", "wrong_name", "wrong_source", "invented_source", "uncited"]
EXPECTED_KIND = {
    "wrong_number": "unsupported_fact",
    "wrong_unit": "unsupported_fact",
    "wrong_name": "unsupported_fact",
    "wrong_source": "unsupported_fact",
    "invented_source": "invalid_source",
    "uncited": "uncited",
}


@dataclass(frozen=True)
class Passage:
    number: int
    text: str


@dataclass
class Outcome:
    item: dict
    flags: list[Unsupported]
    caught: bool
    right_sentences: int
    wrong_sentences: int


def _covers(flag: Unsupported, start: int, end: int) -> bool:
    overlap = min(flag.end, end) - max(flag.start, start)
    return overlap > 0 and overlap * 2 >= min(flag.end - flag.start, end - start)


def judge(item: dict) -> Outcome:
    sources = [Passage(s["number"], s["text"]) for s in item["sources"]]
    flags = check_answer(item["answer"], sources)
    by_sentence: dict[tuple[int, int], list[Unsupported]] = {}
    for flag in flags:
        by_sentence.setdefault((flag.start, flag.end), []).append(flag)
    caught = False
    right = 0
    if item["label"] != "faithful":
        start = item["answer"].index(item["flagged_sentence"])
        end = start + len(item["flagged_sentence"])
        for sentence_flags in by_sentence.values():
            if any(_covers(f, start, end) and f.kind == EXPECTED_KIND[item["label"]] for f in sentence_flags):
                caught = True
                right += 1
    return Outcome(item, flags, caught, right, len(by_sentence) - right)


def table(outcomes: list[Outcome], name: str) -> str:
    errors = [o for o in outcomes if o.item["label"] != "faithful"]
    faithful = [o for o in outcomes if o.item["label"] == "faithful"]
    right = sum(o.right_sentences for o in outcomes)
    flagged = right + sum(o.wrong_sentences for o in outcomes)
    precision = right / flagged if flagged else 1.0
    recall = sum(o.caught for o in errors) / len(errors) if errors else 1.0
    per_type = []
    for error_type in ERROR_TYPES:
        of_type = [o for o in errors if o.item["label"] == error_type]
        per_type.append(f"{sum(o.caught for o in of_type)}/{len(of_type)}")
    faithful_flagged = sum(bool(o.flags) for o in faithful)
    return (
        f"| {name} | {len(outcomes)} | {precision:.2f} ({right}/{flagged}) | {recall:.2f} | "
        f"{faithful_flagged}/{len(faithful)} | " + " | ".join(per_type) + " |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=HERE / "citation_set.jsonl")
    parser.add_argument("--show", action="store_true", help="print missed errors and false flags")
    args = parser.parse_args()
    items = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    outcomes = [judge(item) for item in items]
    labels = Counter(item["label"] for item in items)
    print(f"{len(items)} items: " + ", ".join(f"{label} {n}" for label, n in sorted(labels.items())))
    print()
    print(
        "| ids | items | precision (right/flagged sentences) | recall | faithful items flagged | "
        + " | ".join(ERROR_TYPES)
        + " |"
    )
    print("|---" * (5 + len(ERROR_TYPES)) + "|")
    print(table(outcomes, "all"))
    print(table([o for o in outcomes if int(o.item["id"][1:]) % 2 == 0], "even ids"))
    print(table([o for o in outcomes if int(o.item["id"][1:]) % 2 == 1], "odd ids"))
    if args.show:
        for o in outcomes:
            label = o.item["label"]
            if (label != "faithful" and not o.caught) or o.wrong_sentences:
                print(f"\n{o.item['id']} {label} caught={o.caught}: {o.item['answer']}")
                if label != "faithful":
                    print(f"   labelled: {o.item['flagged_sentence']}")
                for flag in o.flags:
                    print(f"   {flag.kind}: {flag.reason}  <- {flag.sentence!r}")


if __name__ == "__main__":
    main()
