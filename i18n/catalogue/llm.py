"""What llm/ says to users (providers, models, keys, failures), by code, in English and pt-BR."""

from __future__ import annotations

from i18n.templates import Templates

# "cli" (optional) is how the command line says a sentence that, in the app, points at the sidebar; other codes
# are said in English there.
# Each code's languages sit together, so a sentence cannot be changed in one language and forgotten in the other.
# Commands, variable names, URLs and model names stay verbatim in every language. `{x!c}` capitalises a parameter
# that starts a sentence ("o Ollama em …" -> "O Ollama em …").
TEMPLATES: Templates = {
    # How a provider is named inside a sentence: Portuguese needs the article ("o Groq", "a OpenAI").
    "provider.ollama": {"en": "Ollama", "pt": "o Ollama"},
    "provider.groq": {"en": "Groq", "pt": "o Groq"},
    "provider.openai": {"en": "OpenAI", "pt": "a OpenAI"},
    "provider.hf": {"en": "Hugging Face", "pt": "o Hugging Face"},
    "provider.fake": {"en": "the fake model", "pt": "o modelo falso"},
    "provider.other": {"en": "the {provider} provider", "pt": "o provedor {provider}"},
    "where.ollama": {"en": "Ollama at {url}", "pt": "o Ollama em {url}"},
    "where.compatible": {
        "en": "the OpenAI-compatible server at {url}",
        "pt": "o servidor compatível com OpenAI em {url}",
    },
    # Set-up (llm/errors.py, llm/providers.py, llm/catalog.py, llm/hf.py).
    "unknown_provider": {
        "en": "Unknown LLM provider {name!r}: choose one of {valid}.",
        "pt": "Provedor de LLM desconhecido {name!r}: escolha um destes: {valid}.",
    },
    "fake_not_allowed": {
        "en": "The fake model answers for tests and demos only: set CONVERSA_ALLOW_FAKE_LLM=1 to use it.",
        "pt": "O modelo falso responde só em testes e demonstrações: defina CONVERSA_ALLOW_FAKE_LLM=1 para usá-lo.",
    },
    "missing_key": {
        "en": "{label} needs {variable}: put it in .env (see .env.example) or paste it in the sidebar.",
        "pt": "{label!c} precisa de {variable}: coloque-a no .env (veja o .env.example) ou cole-a na barra lateral.",
        "cli": "{label} needs {variable}: put it in .env (see .env.example) or export it in the environment.",
    },
    "missing_package": {
        "en": "The {provider} provider needs extra packages: run `pip install {packages}`.",
        "pt": "O provedor {provider} precisa de pacotes extras: rode `pip install {packages}`.",
    },
    "provider_package": {"en": "the provider's package", "pt": "o pacote do provedor"},
    "ollama_not_running": {
        "en": "Ollama is not running at {url}: start it with `ollama serve`.",
        "pt": "O Ollama não está rodando em {url}: inicie-o com `ollama serve`.",
    },
    "ollama_timeout": {
        "en": "Ollama at {url} did not answer within {timeout:g} s: check that it is running (`ollama serve`).",
        "pt": "O Ollama em {url} não respondeu em {timeout:g} s: verifique se ele está rodando (`ollama serve`).",
    },
    "not_ollama": {
        "en": "The server at {url} does not answer like Ollama: check OLLAMA_BASE_URL in .env.",
        "pt": "O servidor em {url} não responde como o Ollama: verifique OLLAMA_BASE_URL no .env.",
    },
    "model_not_pulled": {
        "en": "Model {model} is not pulled in Ollama: run `ollama pull {model}` ({have}).",
        "pt": "O modelo {model} não foi baixado no Ollama: rode `ollama pull {model}` ({have}).",
    },
    "pulled_list": {"en": "pulled: {names}", "pt": "baixados: {names}"},
    "nothing_pulled": {"en": "nothing is pulled yet", "pt": "nenhum modelo baixado ainda"},
    "hf_needs_gpu": {
        "en": "Hugging Face model {model} is loaded in 4-bit, which needs a CUDA GPU and none was found: use Ollama "
        "instead, or set CONVERSA_HF_ALLOW_CPU=1 to run a small model unquantised on the CPU (slow).",
        "pt": "O modelo {model} do Hugging Face é carregado em 4 bits, o que exige uma GPU CUDA, e nenhuma foi "
        "encontrada: use o Ollama, ou defina CONVERSA_HF_ALLOW_CPU=1 para rodar um modelo pequeno sem quantização na "
        "CPU (lento).",
    },
    "hf_folder_without_model": {
        "en": "Folder {model} holds no Hugging Face model (no config.json): point CONVERSA_HF_MODEL at a folder "
        "written by save_pretrained, or at a hub id.",
        "pt": "A pasta {model} não contém um modelo do Hugging Face (não há config.json): aponte CONVERSA_HF_MODEL "
        "para uma pasta gravada por save_pretrained, ou para um id do hub.",
    },
    "hf_cannot_load": {
        "en": "Could not load Hugging Face model {model}: it is not a local folder, not in the Hugging Face cache, "
        "and the hub could not be reached (download it once online, or set CONVERSA_HF_MODEL to a local folder).",
        "pt": "Não foi possível carregar o modelo {model} do Hugging Face: não é uma pasta local, não está no cache do "
        "Hugging Face e o hub está inacessível (baixe-o uma vez com internet, ou aponte CONVERSA_HF_MODEL para uma "
        "pasta local).",
    },
    "hf_no_chat_template": {
        "en": "Hugging Face model {model} has no chat template: pick an instruct/chat model, such as "
        "Qwen/Qwen2.5-1.5B-Instruct.",
        "pt": "O modelo {model} do Hugging Face não tem template de chat: escolha um modelo instruct/chat, como "
        "Qwen/Qwen2.5-1.5B-Instruct.",
    },
    # The sidebar's one-line provider state (llm/status.py).
    "fake_ready": {
        "en": "The fake model answers from the sources, with no LLM (tests and demos).",
        "pt": "O modelo falso responde a partir das fontes, sem LLM (testes e demonstrações).",
    },
    "ollama_no_models": {
        "en": "Ollama is running at {url} but has no models: run `ollama pull {model}`.",
        "pt": "O Ollama está rodando em {url}, mas não tem modelos: rode `ollama pull {model}`.",
    },
    "ollama_ready_one": {
        "en": "Ollama is running at {url} ({count} model pulled).",
        "pt": "O Ollama está rodando em {url} ({count} modelo baixado).",
    },
    "ollama_ready": {
        "en": "Ollama is running at {url} ({count} models pulled).",
        "pt": "O Ollama está rodando em {url} ({count} modelos baixados).",
    },
    "hosted_ready": {
        "en": "{name} is ready (API key set; it is checked with the first question).",
        "pt": "{name} pronto para usar (chave de API definida; ela é conferida na primeira pergunta).",
    },
    "compatible_timeout": {
        "en": "The OpenAI-compatible server at {url} did not answer within {timeout:g} s: check that it is running.",
        "pt": "O servidor compatível com OpenAI em {url} não respondeu em {timeout:g} s: verifique se ele está "
        "rodando.",
    },
    "compatible_ready_one": {
        "en": "The OpenAI-compatible server at {url} is reachable ({count} model served).",
        "pt": "O servidor compatível com OpenAI em {url} está acessível ({count} modelo disponível).",
    },
    "compatible_ready": {
        "en": "The OpenAI-compatible server at {url} is reachable ({count} models served).",
        "pt": "O servidor compatível com OpenAI em {url} está acessível ({count} modelos disponíveis).",
    },
    "hf_cpu": {
        "en": "Hugging Face will run {model} unquantised on the CPU (CONVERSA_HF_ALLOW_CPU=1): expect slow answers.",
        "pt": "O Hugging Face vai rodar {model} sem quantização na CPU (CONVERSA_HF_ALLOW_CPU=1): as respostas serão "
        "lentas.",
    },
    "hf_gpu": {
        "en": "Hugging Face will load {model} in 4-bit on the GPU.",
        "pt": "O Hugging Face vai carregar {model} em 4 bits na GPU.",
    },
    # What went wrong while answering (llm/explain.py).
    "hf_stalled": {
        "en": "The Hugging Face model stopped producing text: see the terminal log for why, or pick a smaller model.",
        "pt": "O modelo do Hugging Face parou de gerar texto: veja o motivo no log do terminal ou escolha um modelo "
        "menor.",
    },
    "timeout": {
        "en": "{where!c} did not answer within {timeout:g} s: {hint}, or raise CONVERSA_LLM_TIMEOUT.",
        "pt": "{where!c} não respondeu em {timeout:g} s: {hint}, ou aumente CONVERSA_LLM_TIMEOUT.",
    },
    "hint_loading": {
        "en": "the model may still be loading, ask again",
        "pt": "o modelo ainda pode estar carregando, pergunte de novo",
    },
    "hint_retry": {"en": "try again", "pt": "tente de novo"},
    "connection_interrupted": {
        "en": "The connection to {where} was interrupted mid-answer: the text so far is kept; check that the server "
        "is still running and ask again.",
        "pt": "A conexão com {where} caiu no meio da resposta: o texto recebido até aqui foi mantido; verifique se o "
        "servidor ainda está rodando e pergunte de novo.",
    },
    "compatible_unreachable": {
        "en": "Could not reach the OpenAI-compatible server at {url}: check that it is running and that "
        "OPENAI_BASE_URL is right.",
        "pt": "Não foi possível conectar ao servidor compatível com OpenAI em {url}: verifique se ele está rodando e "
        "se OPENAI_BASE_URL está certo.",
    },
    "unreachable": {
        "en": "Could not reach {where}: check the internet connection and try again.",
        "pt": "Sem conexão com {where}: verifique a conexão com a internet e tente de novo.",
    },
    "ollama_reported": {"en": "Ollama reported an error: {detail}.", "pt": "O Ollama informou um erro: {detail}."},
    "key_rejected": {
        "en": "{where!c} rejected the API key (HTTP {status}): check {variable} in .env or the key in the sidebar.",
        "pt": "{where!c} recusou a chave de API (HTTP {status}): confira {variable} no .env ou a chave na barra "
        "lateral.",
        "cli": "{where!c} rejected the API key (HTTP {status}): check {variable} in .env or the environment.",
    },
    "the_api_key": {"en": "the API key", "pt": "a chave de API"},
    "quota": {
        "en": "{where!c} says the account's quota is used up (HTTP 429): check billing, or pick another provider.",
        "pt": "{where!c} informa que a cota da conta acabou (HTTP 429): verifique o faturamento ou escolha outro "
        "provedor.",
    },
    "rate_limited": {
        "en": "{where!c} rate-limited this request (HTTP 429): wait a minute and ask again, or pick a smaller model.",
        "pt": "{where!c} limitou a taxa de pedidos (HTTP 429): espere um minuto e pergunte de novo, ou escolha um "
        "modelo menor.",
    },
    "no_such_model": {
        "en": "{where!c} has no model {model} (HTTP 404): pick another model in the sidebar.",
        "pt": "{where!c} não tem o modelo {model} (HTTP 404): escolha outro modelo na barra lateral.",
        "cli": "{where!c} has no model {model} (HTTP 404): pass another one with --model.",
    },
    "no_model_given": {"en": "(none given)", "pt": "(nenhum informado)"},
    "context_too_long": {
        "en": "The question and its sources are too long for {model}'s context window: ask about fewer documents or "
        "pick a model with a larger window.",
        "pt": "A pergunta e suas fontes não cabem na janela de contexto de {model}: pergunte sobre menos documentos ou "
        "escolha um modelo com uma janela maior.",
    },
    "context_too_long_unnamed": {
        "en": "The question and its sources are too long for the model's context window: ask about fewer documents "
        "or pick a model with a larger window.",
        "pt": "A pergunta e suas fontes não cabem na janela de contexto do modelo: pergunte sobre menos documentos ou "
        "escolha um modelo com uma janela maior.",
    },
    "server_error": {
        "en": "{where!c} had a server error (HTTP {status}): try again in a moment.",
        "pt": "{where!c} teve um erro no servidor (HTTP {status}): tente de novo daqui a pouco.",
    },
    "refused": {
        "en": "{where!c} refused the request (HTTP {status}): check the model name and settings, then try again.",
        "pt": "{where!c} recusou o pedido (HTTP {status}): confira o nome do modelo e as configurações e tente de "
        "novo.",
    },
    "gpu_out_of_memory": {
        "en": "The GPU ran out of memory running {model}: pick a smaller model or free the GPU.",
        "pt": "A GPU ficou sem memória rodando {model}: escolha um modelo menor ou libere a GPU.",
    },
    "gpu_out_of_memory_unnamed": {
        "en": "The GPU ran out of memory running the model: pick a smaller model or free the GPU.",
        "pt": "A GPU ficou sem memória rodando o modelo: escolha um modelo menor ou libere a GPU.",
    },
    "no_cuda": {
        "en": "This PyTorch has no usable CUDA GPU: install a CUDA build of torch, or set CONVERSA_HF_ALLOW_CPU=1.",
        "pt": "Este PyTorch não tem uma GPU CUDA utilizável: instale uma versão do torch com CUDA ou defina "
        "CONVERSA_HF_ALLOW_CPU=1.",
    },
    "cuda_failed": {
        "en": "CUDA failed while running the model: check the GPU driver (`nvidia-smi`) and try again.",
        "pt": "O CUDA falhou ao rodar o modelo: verifique o driver da GPU (`nvidia-smi`) e tente de novo.",
    },
    "failed": {
        "en": "{where!c} failed with {error_type}: see the terminal log for details and try again.",
        "pt": "{where!c} falhou com {error_type}: veja os detalhes no log do terminal e tente de novo.",
    },
}
