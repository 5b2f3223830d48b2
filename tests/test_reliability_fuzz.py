"""Seeded byte-level fuzzing of PDF loading: only DocumentError may escape, and no file outlives its time limit."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from rag.documents.document import DocumentError, LoadedDocument
from rag.documents.pdf import load_pdf
from tests.pdfs import bad_pdfs, make_pdf, study_notes

MUTANTS = 500
# Wall-clock budget for the whole run; a loaded machine runs fewer mutants rather than a slower test.
BUDGET_S = 15.0
FILE_LIMIT_S = 2.0
# Small, fast real-world seeds covering plain text, forms, annotations, encryption, CJK, Arabic, broken xref and
# a scan (the shared corpus); the generated seeds cover text with a footer, RC4 and AES encryption, blank and scan.
REAL_SEEDS = [
    "real/annotated_pdf.pdf",
    "real/issue-297.pdf",
    "real/habibi.pdf",
    "real/multilang.pdf",
    "real/libreoffice-form.pdf",
    "real/libreoffice-writer-password.pdf",
    "real/r6-both-passwords.pdf",
    "real/encrypted_doc_no_id.pdf",
    "real/pdflatex-image.pdf",
    "bad/pagina-em-branco.pdf",
    "notas-llm-agentes.pdf",
]
GENERATED_SEEDS = ["pagina-em-branco.pdf", "protegido-senha.pdf", "escaneado-sem-texto.pdf"]
_TOKENS = [b"999999999", b"-1", b"0", b"/Kids", b"R", b"<<", b">>", b"[", b"]", b"obj", b"endobj", b"stream", b"1e308"]


def mutate(rng: random.Random, data: bytes) -> bytes:
    """One of: random bytes overwritten, truncation, a span repeated, a span deleted, PDF tokens inserted."""
    out = bytearray(data)
    kind = rng.randrange(5)
    if kind == 0:
        for _ in range(rng.randint(1, 20)):
            out[rng.randrange(len(out))] = rng.randrange(256)
    elif kind == 1:
        del out[rng.randrange(1, len(out)) :]
    elif kind == 2:
        start = rng.randrange(len(out))
        out[start:start] = out[start : start + rng.randint(1, 2000)] * rng.randint(1, 5)
    elif kind == 3:
        start = rng.randrange(len(out))
        del out[start : start + rng.randint(1, 500)]
    else:
        for _ in range(rng.randint(1, 10)):
            start = rng.randrange(len(out))
            out[start:start] = b" " + rng.choice(_TOKENS) + b" "
    return bytes(out)


@pytest.mark.slow
def test_mutated_generated_pdfs_load_or_raise_document_error_within_the_time_limit():
    seeds = [study_notes(), make_pdf(["Texto sob senha RC4."], password="s3nha")]
    fuzz(seeds + [bad_pdfs()[name] for name in GENERATED_SEEDS])


@pytest.mark.slow
@pytest.mark.shared
def test_mutated_real_world_pdfs_load_or_raise_document_error_within_the_time_limit(corpus: Path):
    fuzz([(corpus / name).read_bytes() for name in REAL_SEEDS])


def fuzz(seeds: list[bytes]) -> None:
    """Load MUTANTS mutants of seeds (fewer if BUDGET_S runs out); only DocumentError may escape, in time."""
    outcomes: dict[str, int] = {}
    slowest = 0.0
    started = time.perf_counter()
    done = 0
    for number in range(MUTANTS):
        if time.perf_counter() - started > BUDGET_S:
            break
        rng = random.Random(number)
        data = mutate(rng, rng.choice(seeds))
        began = time.perf_counter()
        try:
            result = load_pdf(data, name=f"mutant-{number}.pdf", time_limit=FILE_LIMIT_S)
        except DocumentError as exc:
            outcome = exc.code
            assert exc.reason, f"mutant {number}: a rejection without a reason"
        except Exception as exc:  # the failure this test exists for: say which mutant, so it can be replayed
            pytest.fail(f"mutant {number} (random.Random({number})) raised {type(exc).__name__}: {exc}")
        else:
            assert isinstance(result, LoadedDocument) and result.pages
            outcome = "indexed"
        slowest = max(slowest, time.perf_counter() - began)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        done += 1

    # A per-file limit of 2 s, checked between drawing operations: one parse step may overrun it a little.
    assert slowest < FILE_LIMIT_S + 2, f"slowest mutant took {slowest:.1f} s"
    assert done >= 100, f"only {done} mutants in {BUDGET_S} s"
    assert outcomes.get("indexed", 0) and outcomes.get("corrupt", 0), outcomes
