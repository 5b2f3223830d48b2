"""One sentence-transformers model shared by every browser session (threads): searches during an upload must neither
fail nor get vectors other than the ones they get alone."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from rag.index.embeddings import EmbeddingModel

# Lengths on both sides of the model's 256-token window, so a batch needs both padding and truncation.
PASSAGES = [f"contrato{i} prazo multa clausula " * (8 + 70 * (i % 3)) for i in range(8)]
QUESTIONS = [f"qual o prazo do contrato {i}?" for i in range(4)]
ROUNDS = 6


@pytest.mark.timeout(300)
def test_sessions_embedding_at_once_get_the_vectors_they_get_alone(minilm: EmbeddingModel):
    alone_passages = np.asarray(minilm.embed_passages(PASSAGES))
    alone_questions = [np.asarray(minilm.embed_query(q)) for q in QUESTIONS]
    alone_counts = minilm.count_tokens(PASSAGES)
    assert max(alone_counts) > minilm.max_tokens > min(alone_counts)  # the batch really needs both
    errors: list[str] = []
    wrong: list[str] = []
    uploads_done = threading.Event()

    def record_failure(work):
        def run() -> None:
            try:
                work()
            except Exception as exc:  # the failure this test is about: report it rather than lose it in the thread
                errors.append(f"{work.__name__}: {type(exc).__name__}: {exc}"[:300])

        return run

    def embed_passages() -> None:  # an upload embedding its passages
        for _ in range(ROUNDS):
            if not np.allclose(np.asarray(minilm.embed_passages(PASSAGES)), alone_passages, atol=1e-5):
                wrong.append("passage vectors")

    def chunk() -> None:  # another upload chunking its file: counting tokens
        while not uploads_done.is_set():
            if minilm.count_tokens(PASSAGES) != alone_counts:
                wrong.append("token counts")

    def ask() -> None:  # a browser session asking questions meanwhile
        i = 0
        while not uploads_done.is_set():
            if not np.allclose(np.asarray(minilm.embed_query(QUESTIONS[i % 4])), alone_questions[i % 4], atol=1e-5):
                wrong.append("question vector")
            i += 1

    uploads = [threading.Thread(target=record_failure(embed_passages)) for _ in range(2)]
    others = [threading.Thread(target=record_failure(chunk)), threading.Thread(target=record_failure(ask))]
    for thread in uploads + others:
        thread.start()
    for thread in uploads:
        thread.join()
    uploads_done.set()
    for thread in others:
        thread.join()

    assert errors == [], f"{len(errors)} calls failed, first: {errors[0]}"
    assert wrong == [], f"{len(wrong)} results differ from the single-threaded ones: {sorted(set(wrong))}"
