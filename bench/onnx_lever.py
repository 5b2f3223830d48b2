"""The ONNX Runtime lever, measured outside the app: fp32 and int8 (dynamic) ONNX exports of the e5-small-shaped model
against torch fp32 and torch int8 on the same passages.

    pip install --target /tmp/ortpkgs --no-deps onnxruntime==1.31.1 onnx==1.23.2 flatbuffers ml_dtypes
    PYTHONPATH=/tmp/ortpkgs python bench/onnx_lever.py [--passages N]

ONNX Runtime is not a Conversa dependency; this script only says whether it would be worth one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from embedding_levers import passages  # noqa: E402
from machine import CACHE, load_average, shaped_model_path  # noqa: E402


def export(folder: Path) -> tuple[Path, Path]:
    """fp32 and int8 ONNX files of the shaped model's encoder, built once under the bench cache."""
    fp32, int8 = CACHE / "e5-small-shaped.onnx", CACHE / "e5-small-shaped-int8.onnx"
    if not int8.is_file():
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from transformers import BertModel

        bert = BertModel.from_pretrained(folder, attn_implementation="eager").eval()

        class Encoder(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.bert = bert

            def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
                return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

        axes = {0: "batch", 1: "tokens"}
        torch.onnx.export(
            Encoder(),
            (torch.ones(2, 16, dtype=torch.long), torch.ones(2, 16, dtype=torch.long)),
            str(fp32),
            input_names=["input_ids", "attention_mask"],
            output_names=["hidden"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "hidden": axes},
            opset_version=17,
            dynamo=False,
        )
        quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    return fp32, int8


def main() -> None:
    import onnxruntime as ort
    from sentence_transformers import SentenceTransformer

    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=96)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    folder = shaped_model_path()
    fp32_file, int8_file = export(folder)
    st = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    texts = ["passage: " + t for t in sorted(passages(args.passages), key=len, reverse=True)]
    batches = [
        st.tokenizer(texts[i : i + args.batch], padding=True, truncation=True, max_length=512, return_tensors="np")
        for i in range(0, len(texts), args.batch)
    ]
    real = int(sum(b["attention_mask"].sum() for b in batches))

    def ort_runner(path: Path, threads: int):
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

        def embed() -> np.ndarray:
            out = []
            for b in batches:
                hidden = session.run(
                    None,
                    {
                        "input_ids": b["input_ids"].astype(np.int64),
                        "attention_mask": b["attention_mask"].astype(np.int64),
                    },
                )[0]
                mask = b["attention_mask"][..., None]
                pooled = (hidden * mask).sum(1) / mask.sum(1)
                out.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
            return np.vstack(out)

        return embed

    def torch_runner(model) -> callable:
        def embed() -> np.ndarray:
            return model.encode(texts, batch_size=args.batch, normalize_embeddings=True)

        return embed

    q = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    q[0] = torch.ao.quantization.quantize_dynamic(q[0], {torch.nn.Linear}, dtype=torch.qint8)
    runners = {
        "torch fp32": torch_runner(st),
        "torch int8-dynamic": torch_runner(q),
        "onnxruntime fp32": ort_runner(fp32_file, 2),
        "onnxruntime int8": ort_runner(int8_file, 2),
    }
    reference = runners["torch fp32"]()
    print(f"{len(texts)} passages, {real} tokens, batch {args.batch}, load {load_average()}")
    for name, embed in runners.items():
        vectors = embed()
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            embed()
            times.append(time.perf_counter() - start)
        cosine = float(np.min(np.sum(reference * vectors, axis=1)))
        print(
            f"{name:20s} {real / statistics.median(times):7.0f} tok/s  min cosine vs torch fp32 {cosine:.5f}  "
            f"runs {[f'{t:.2f}' for t in times]}  load {load_average()}"
        )


if __name__ == "__main__":
    main()
