"""The hf provider for real on the CPU, with a tiny random Llama and a tokenizer built on the spot."""

from __future__ import annotations

import pytest

from config.settings import Settings
from llm import LLMError, build_chat_model, check_provider, quantization_config
from tests.llm_servers import isolate_llm_env

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")
pytest.importorskip("langchain_huggingface")

SPECIAL_TOKENS = ["<unk>", "<pad>", "<eos>", "<|user|>", "<|assistant|>", "<|system|>", "<|end|>"]
# Distinctive markers, so a test can see the template in what the model was fed.
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|> {{ m['content'] }} <|end|> {% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
QUESTION = "what is in the pdf ?"
MAX_NEW_TOKENS = 12
needs_cuda = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="needs a CUDA GPU for the 4-bit bitsandbytes load"
)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    isolate_llm_env(monkeypatch, tmp_path)


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory):
    """A 2-layer Llama with random weights and a word-level tokenizer with a chat template, saved to disk."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    words = Tokenizer(models.WordLevel(unk_token="<unk>"))
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    corpus = [QUESTION, "the pdf talks about attention and transformers .", "answer from the sources only"]
    words.train_from_iterator(corpus, trainer=trainers.WordLevelTrainer(special_tokens=SPECIAL_TOKENS))
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=words,
        unk_token="<unk>",
        pad_token="<pad>",
        eos_token="<eos>",
        additional_special_tokens=SPECIAL_TOKENS[3:],
    )
    tokenizer.chat_template = CHAT_TEMPLATE

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        intermediate_size=64,
        max_position_embeddings=256,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=None,
    )
    model = LlamaForCausalLM(config)
    with torch.no_grad():
        # Zero logits for the special tokens: random ones would sometimes stop the answer at once.
        model.lm_head.weight[: len(SPECIAL_TOKENS)] = 0
    folder = tmp_path_factory.mktemp("tiny-llama")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture
def cpu_settings():
    return Settings(hf_allow_cpu=True)


@pytest.mark.skipif(torch.cuda.is_available(), reason="the CPU path only runs where there is no CUDA GPU")
def test_cpu_opt_in_streams_the_answer_in_several_chunks(tiny_model_dir, cpu_settings):
    model = build_chat_model("hf", str(tiny_model_dir), settings=cpu_settings, max_tokens=MAX_NEW_TOKENS, temperature=0)

    chunks = [chunk.content for chunk in model.stream(QUESTION)]

    assert len([c for c in chunks if c.strip()]) > 1
    # Greedy decoding: the streamed pieces join into the very answer a plain call gives.
    assert "".join(chunks) == model.invoke(QUESTION).content != ""


@pytest.mark.skipif(torch.cuda.is_available(), reason="the CPU path only runs where there is no CUDA GPU")
def test_chat_template_is_applied_and_the_prompt_is_not_echoed(tiny_model_dir, cpu_settings):
    model = build_chat_model("hf", str(tiny_model_dir), settings=cpu_settings, max_tokens=MAX_NEW_TOKENS, temperature=0)
    network = model.llm.pipeline.model
    fed: list = []
    hook = network.register_forward_pre_hook(lambda _, args, kwargs: fed.append(kwargs["input_ids"]), with_kwargs=True)
    try:
        answer = model.invoke(QUESTION).content
    finally:
        hook.remove()

    assert model.tokenizer.decode(fed[0][0]) == f"<|user|> {QUESTION} <|end|> <|assistant|>"
    # Every answer token is a word here: the whole prompt plus the answer would not fit.
    assert 0 < len(answer.split()) <= MAX_NEW_TOKENS
    assert "<|user|>" not in answer


@pytest.mark.skipif(torch.cuda.is_available(), reason="the CPU path only runs where there is no CUDA GPU")
def test_model_is_loaded_once_and_reused_for_the_next_question(tiny_model_dir, cpu_settings):
    first = build_chat_model("hf", str(tiny_model_dir), settings=cpu_settings)
    second = build_chat_model("hf", str(tiny_model_dir), settings=cpu_settings, temperature=0.7)

    assert first.llm.pipeline.model is second.llm.pipeline.model


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown where there is no CUDA GPU")
def test_without_cuda_or_opt_in_says_a_gpu_is_needed_and_how_to_use_the_cpu(tiny_model_dir):
    with pytest.raises(LLMError) as raised:
        build_chat_model("hf", str(tiny_model_dir), settings=Settings())

    assert "needs a CUDA GPU" in str(raised.value)
    assert "CONVERSA_HF_ALLOW_CPU=1" in str(raised.value)
    assert check_provider("hf", Settings()) == (
        False,
        str(raised.value).replace(str(tiny_model_dir), "Qwen/Qwen2.5-1.5B-Instruct"),
    )
    assert check_provider("hf", Settings(hf_allow_cpu=True)).ok


def test_a_folder_without_a_model_says_so(tmp_path, cpu_settings):
    with pytest.raises(LLMError, match=r"holds no Hugging Face model \(no config.json\)"):
        build_chat_model("hf", str(tmp_path), settings=cpu_settings)


def test_quantization_config_is_4bit_nf4_with_double_quantisation_and_bf16_compute():
    config = quantization_config()

    assert config.load_in_4bit
    assert config.bnb_4bit_quant_type == "nf4"
    assert config.bnb_4bit_use_double_quant
    assert config.bnb_4bit_compute_dtype == torch.bfloat16


@pytest.mark.cuda
@needs_cuda
def test_quantised_load_on_cuda_streams_from_the_tiny_model(tiny_model_dir):
    pytest.importorskip("bitsandbytes", reason="the 4-bit load needs bitsandbytes")
    pytest.importorskip("accelerate", reason="device_map='auto' needs accelerate")

    model = build_chat_model("hf", str(tiny_model_dir), settings=Settings(), max_tokens=MAX_NEW_TOKENS)

    assert getattr(model.llm.pipeline.model, "is_loaded_in_4bit", False)
    assert len([c for c in model.stream(QUESTION) if c.content]) > 1
