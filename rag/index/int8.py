"""int8 Linear layers for CPU embedding: int8 weights per output channel, activations quantised per token."""

from __future__ import annotations

import torch

# Rows quantised and multiplied at a time: a block's activations and int32 results stay in the L2 cache.
_BLOCK_ROWS = 512
# Below this many tokens (a question, not a batch of passages) int8 saves nothing worth its error: compute in fp32.
_MIN_INT8_ROWS = 256


class Int8Linear(torch.nn.Module):
    """A `torch.nn.Linear` computing its product in int8 (VNNI instructions through `torch._int_mm`).

    Each token gets its own activation scale. torch's `quantize_dynamic` uses one scale for a whole batch, which
    on all-MiniLM-L6-v2 moved passage vectors to a cosine of 0.78 from fp32; per-token scales keep them above 0.99.
    Small inputs (a single question) keep the exact fp32 product: the original weights stay alongside.
    """

    def __init__(self, linear: torch.nn.Linear) -> None:
        super().__init__()
        weight = linear.weight.detach().float()
        scale = weight.abs().amax(dim=1).clamp(min=1e-12) / 127
        self.out_features = weight.shape[0]
        self.register_buffer("weight_int8", torch.round(weight / scale[:, None]).to(torch.int8).t().contiguous())
        self.register_buffer("weight_scale", scale)
        bias = linear.bias.detach().float() if linear.bias is not None else torch.zeros(self.out_features)
        self.register_buffer("bias", bias)
        self.register_buffer("weight", weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.reshape(-1, x.shape[-1]).float()
        if rows.shape[0] < _MIN_INT8_ROWS:
            return torch.nn.functional.linear(rows, self.weight, self.bias).reshape(*x.shape[:-1], -1).to(x.dtype)
        out = torch.empty(rows.shape[0], self.out_features, dtype=torch.float32)
        for start in range(0, rows.shape[0], _BLOCK_ROWS):
            block = rows[start : start + _BLOCK_ROWS]
            scale = block.abs().amax(dim=1, keepdim=True).clamp_(min=1e-8).div_(127)
            quantised = (block / scale).round_().to(torch.int8)
            result = out[start : start + _BLOCK_ROWS]
            torch.mul(torch._int_mm(quantised, self.weight_int8), scale, out=result)
            torch.addcmul(self.bias, result, self.weight_scale, out=result)
        return out.reshape(*x.shape[:-1], self.out_features).to(x.dtype)


def quantize_linear_layers(model: torch.nn.Module) -> int:
    """Replace every `torch.nn.Linear` inside `model` by an `Int8Linear`, in place; returns how many."""
    replaced = 0
    for name, child in list(model.named_children()):
        if isinstance(child, torch.nn.Linear):
            setattr(model, name, Int8Linear(child))
            replaced += 1
        else:
            replaced += quantize_linear_layers(child)
    return replaced
