"""The hf provider: a transformers model in this process, 4-bit on a CUDA GPU or, by opt-in, on the CPU."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from i18n import message
from llm.errors import LLMError, hf_needs_gpu, missing_package

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

# transformers generates up to 20 tokens unless told otherwise: far too short for an answer.
DEFAULT_MAX_NEW_TOKENS = 512

# Loaded models, keyed by (model id, quantised): loading takes seconds to minutes and GPU memory,
# so it happens once per process, not once per question. The lock stops two Streamlit sessions
# from loading the same model twice at the same time.
_LOADED: dict[tuple[str, bool], tuple[Any, Any]] = {}
_LOADING = threading.Lock()


def quantization_config() -> Any:
    """The 4-bit NF4 bitsandbytes config: about a quarter of bf16's memory for a small loss in quality."""
    import torch
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16,
    )


def build_hf(model_id: str, *, allow_cpu: bool, temperature: float, max_tokens: int | None) -> BaseChatModel:
    """A ChatHuggingFace over a local text-generation pipeline for model_id (a hub id or a folder).

    Raises:
        LLMError: a package is missing, there is no GPU and no CPU opt-in, or the model cannot be loaded.
    """
    try:
        import torch
        from langchain_huggingface import ChatHuggingFace, HuggingFacePipeline
        from transformers import pipeline
    except ImportError:
        raise LLMError(missing_package("hf", "langchain-huggingface transformers torch")) from None

    quantised = torch.cuda.is_available()
    if not quantised and not allow_cpu:
        raise LLMError(hf_needs_gpu(model_id))
    model, tokenizer = _load(model_id, quantised)
    sampling = {"do_sample": True, "temperature": temperature} if temperature > 0 else {"do_sample": False}
    generator = pipeline(
        "text-generation",
        model=model,
        tokenizer=tokenizer,
        max_new_tokens=max_tokens or DEFAULT_MAX_NEW_TOKENS,
        # The answer only: without this the pipeline returns the whole prompt, sources and all.
        return_full_text=False,
        **sampling,
    )
    llm = HuggingFacePipeline(pipeline=generator, model_id=model_id)
    # The tokenizer is passed so ChatHuggingFace formats messages with this model's chat template
    # instead of downloading a tokenizer by model id (which fails offline and for local folders).
    # It has no async path: callers stream with .stream(), which runs generation in a thread.
    return ChatHuggingFace(llm=llm, tokenizer=tokenizer, model_id=model_id)


def _load(model_id: str, quantised: bool) -> tuple[Any, Any]:
    key = (model_id, quantised)
    with _LOADING:
        if key not in _LOADED:
            _LOADED[key] = _load_uncached(model_id, quantised)
        return _LOADED[key]


def _load_uncached(model_id: str, quantised: bool) -> tuple[Any, Any]:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if quantised:
        try:
            import accelerate  # noqa: F401  (device_map="auto" needs it)
            import bitsandbytes  # noqa: F401
        except ImportError:
            raise LLMError(missing_package("hf", "accelerate bitsandbytes")) from None
        options: dict[str, Any] = {"quantization_config": quantization_config(), "device_map": "auto"}
    else:
        # float32: bf16 matmuls crawl on CPUs without native bf16, and the opt-in is for small models.
        options = {"dtype": torch.float32}
    if Path(model_id).is_dir() and not (Path(model_id) / "config.json").is_file():
        raise LLMError(message("hf_folder_without_model", model=model_id))
    try:
        tokenizer = _from_local_or_hub(AutoTokenizer, model_id, {})
        model = _from_local_or_hub(AutoModelForCausalLM, model_id, options)
    except OSError:
        raise LLMError(message("hf_cannot_load", model=model_id)) from None
    if tokenizer.chat_template is None:
        raise LLMError(message("hf_no_chat_template", model=model_id))
    if tokenizer.pad_token is None:
        # Generation pads with this; most chat models leave it unset and reuse end-of-sequence.
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def _from_local_or_hub(auto_class: Any, model_id: str, options: dict[str, Any]) -> Any:
    if Path(model_id).is_dir():
        return auto_class.from_pretrained(model_id, **options)
    try:
        # The cache first: asking the hub with no network retries for a long time before failing.
        return auto_class.from_pretrained(model_id, local_files_only=True, **options)
    except OSError:
        return auto_class.from_pretrained(model_id, **options)
