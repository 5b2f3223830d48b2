"""What the browser app says, by code, in pt-BR (the app's default) and English."""

from __future__ import annotations

from i18n.templates import Templates

# One entry per phrase, both languages together, so a new phrase cannot be added in only one of them.
TEMPLATES: Templates = {
    "page_title": {"pt": "Conversa: pergunte aos seus PDFs", "en": "Conversa: ask your PDFs"},
    "title": {"pt": "Conversa", "en": "Conversa"},
    "subtitle": {
        "pt": "Pergunte aos seus PDFs: cada resposta mostra o arquivo e a página de onde veio.",
        "en": "Ask your PDFs: every answer shows the file and page it came from.",
    },
    "language_label": {"pt": "Idioma da interface", "en": "Interface language"},
    "collection_label": {"pt": "Coleção", "en": "Collection"},
    "manage_collections": {"pt": "Gerenciar coleções", "en": "Manage collections"},
    "new_collection_label": {"pt": "Nova coleção", "en": "New collection"},
    "new_collection_help": {
        "pt": "Letras, números, `-`, `_` e `.`, até 64 caracteres.",
        "en": "Letters, digits, `-`, `_` and `.`, up to 64 characters.",
    },
    "create_collection": {"pt": "Criar coleção", "en": "Create collection"},
    "collection_created": {"pt": "Coleção {name} criada.", "en": "Collection {name} created."},
    "confirm_delete": {
        "pt": "Sim, apagar {name} e todos os seus documentos",
        "en": "Yes, delete {name} and all its documents",
    },
    "delete_collection": {"pt": "Apagar coleção", "en": "Delete collection"},
    "collection_deleted": {"pt": "Coleção {name} apagada.", "en": "Collection {name} deleted."},
    "documents_header": {"pt": "Documentos", "en": "Documents"},
    "upload_label": {
        "pt": "Arraste documentos aqui: PDF, Word, Markdown, texto ou HTML (vários de uma vez)",
        "en": "Drop documents here: PDF, Word, Markdown, text or HTML (several at once)",
    },
    "upload_help": {
        "pt": "Cada arquivo é lido, dividido em trechos e indexado nesta coleção; arquivos já indexados são "
        "reconhecidos.",
        "en": "Each file is read, split into passages and indexed in this collection; files already indexed are "
        "recognised.",
    },
    "reading": {"pt": "{name}: lendo…", "en": "{name}: reading…"},
    "embedding": {
        "pt": "{name}: indexando trechos {done}/{total}{speed}",
        "en": "{name}: indexing passages {done}/{total}{speed}",
    },
    "progress_speed": {"pt": " · {rate} {unit}/s, faltam ~{left}", "en": " · {rate} {unit}/s, about {left} left"},
    "unit_passages": {"pt": "trechos", "en": "passages"},
    "unit_pages": {"pt": "páginas", "en": "pages"},
    "duration_seconds": {"pt": "{s} s", "en": "{s} s"},
    "duration_minutes": {"pt": "{m} min {s} s", "en": "{m} min {s} s"},
    "duration_hours": {"pt": "{h} h {m} min", "en": "{h} h {m} min"},
    "report_added": {"pt": "{name}: indexado ({pages}, {chunks})", "en": "{name}: indexed ({pages}, {chunks})"},
    "report_replaced": {
        "pt": "{name}: nova versão indexada ({pages}, {chunks})",
        "en": "{name}: new version indexed ({pages}, {chunks})",
    },
    "report_unchanged": {
        "pt": "{name}: já estava indexado ({pages}, {chunks})",
        "en": "{name}: already indexed ({pages}, {chunks})",
    },
    "report_rejected": {"pt": "{name}: recusado: {reason}", "en": "{name}: rejected: {reason}"},
    "password_label": {"pt": "Senha de {name}", "en": "Password for {name}"},
    "unlock": {"pt": "Abrir com a senha", "en": "Open with password"},
    "no_documents_sidebar": {"pt": "Nenhum documento em {name} ainda.", "en": "No documents in {name} yet."},
    "doc_counts": {"pt": "{pages} · {chunks}", "en": "{pages} · {chunks}"},
    "remove": {"pt": "Remover {name} da coleção", "en": "Remove {name} from the collection"},
    "removed": {"pt": "{name} removido da coleção.", "en": "{name} removed from the collection."},
    "model_header": {"pt": "Modelo e respostas", "en": "Model and answers"},
    "provider_label": {"pt": "Provedor", "en": "Provider"},
    "model_label": {"pt": "Modelo", "en": "Model"},
    "model_other_label": {"pt": "Outro modelo (nome exato, opcional)", "en": "Other model (exact name, optional)"},
    "refresh_models": {"pt": "Atualizar modelos e status", "en": "Refresh models and status"},
    "temperature_label": {"pt": "Temperatura", "en": "Temperature"},
    "top_k_label": {"pt": "Trechos por resposta (k)", "en": "Passages per answer (k)"},
    "follow_up_label": {"pt": "Perguntas de seguimento", "en": "Follow-up questions"},
    "follow_up_concat": {
        "pt": "Juntar com as perguntas anteriores (sem chamada extra)",
        "en": "Combine with earlier questions (no extra call)",
    },
    "follow_up_llm": {"pt": "Reescrever com o modelo", "en": "Rewrite with the model"},
    "api_key_label": {"pt": "Chave de API ({variable})", "en": "API key ({variable})"},
    "api_key_help": {
        "pt": "Fica só nesta sessão do navegador: nunca é gravada, registrada nem exportada.",
        "en": "Kept only in this browser session: never written, logged or exported.",
    },
    "conversation_header": {"pt": "Conversa", "en": "Conversation"},
    "clear_chat": {"pt": "Limpar conversa", "en": "Clear conversation"},
    "download_chat": {"pt": "Baixar conversa (.md)", "en": "Download conversation (.md)"},
    "empty_collection": {
        "pt": "A coleção {name} ainda não tem documentos: arraste PDFs na barra lateral para começar.",
        "en": "Collection {name} has no documents yet: drop PDFs in the sidebar to begin.",
    },
    "ask_placeholder": {"pt": "Pergunte sobre os documentos…", "en": "Ask about your documents…"},
    "searching": {"pt": "Buscando nos documentos…", "en": "Searching the documents…"},
    "found": {"pt": "Busca concluída: {count}", "en": "Search done: {count}"},
    "searched_for": {"pt": "Busca feita: {query}", "en": "Searched for: {query}"},
    "no_documents_answer": {
        "pt": "A coleção {name} ainda não tem documentos: arraste PDFs na barra lateral e pergunte de novo.",
        "en": "Collection {name} has no documents yet: drop PDFs in the sidebar and ask again.",
    },
    "search_only": {
        "pt": "Só busca: estes são os trechos mais relevantes. Para ter respostas escritas: {reason}",
        "en": "Search only: these are the most relevant passages. For written answers: {reason}",
    },
    "no_passages": {"pt": "Nenhum trecho encontrado.", "en": "No passages found."},
    "not_covered": {
        "pt": "Os documentos não parecem tratar disso.",
        "en": "The documents do not seem to cover this.",
    },
    "interrupted": {"pt": "Resposta interrompida: {error}", "en": "Answer interrupted: {error}"},
    "check_header": {
        "pt": "Verificação das citações: frases que as fontes citadas não sustentam",
        "en": "Citation check: sentences the cited sources do not support",
    },
    "check_invalid_source": {
        "pt": "cita {missing}, mas só {count} fontes foram dadas",
        "en": "cites {missing}, but only {count} sources were given",
    },
    "check_unsupported_fact": {"pt": "{missing} não está na fonte {cited}", "en": "{missing} is not in source {cited}"},
    "check_found_elsewhere": {"pt": " (mas está em {found})", "en": " (but is in {found})"},
    "check_uncited": {
        "pt": "afirma fatos ({missing}) sem citar fonte",
        "en": "states facts ({missing}) without citing a source",
    },
    "history_trimmed": {
        "pt": "As {count} mensagens mais antigas da conversa não couberam na janela do modelo e ficaram de fora.",
        "en": "The {count} oldest messages of the conversation did not fit the model's window and were left out.",
    },
    "answer_failed": {
        "pt": "Não foi possível escrever a resposta: {error}",
        "en": "The answer could not be written: {error}",
    },
    "sources_header": {"pt": "Fontes", "en": "Sources"},
    # `where` is "p. 3" ("p. 3 (OCR)" for a scanned page), or a section for files without pages
    # ("§ Instalação (linhas 12–40)").
    "source_label": {"pt": "[{number}] {doc}, {where}", "en": "[{number}] {doc}, {where}"},
    "ocr_reading": {
        "pt": "{name}: OCR, {done} de {total} páginas digitalizadas reconhecidas{speed}",
        "en": "{name}: OCR, {done} of {total} scanned pages recognised{speed}",
    },
    "show_page": {"pt": "Mostrar a página com o trecho", "en": "Show the page with the passage"},
    "page_caption": {
        "pt": "{doc}, página {page}: o trecho citado está destacado",
        "en": "{doc}, page {page}: the cited passage is highlighted",
    },
    "page_caption_not_found": {
        "pt": "{doc}, página {page} (o trecho não foi localizado na página)",
        "en": "{doc}, page {page} (the passage could not be located on the page)",
    },
    "page_unavailable": {"pt": "Não é possível mostrar a página: {reason}", "en": "The page cannot be shown: {reason}"},
    "page_file_missing": {
        "pt": "a coleção não guardou uma cópia deste PDF.",
        "en": "the collection kept no copy of this PDF.",
    },
    "unexpected": {
        "pt": "Algo deu errado ao {action}; os detalhes estão no terminal.",
        "en": "Something went wrong while trying to {action}; the details are in the terminal.",
    },
    "action_upload": {"pt": "indexar {name}", "en": "index {name}"},
    "action_answer": {"pt": "responder", "en": "answer"},
    "action_remove": {"pt": "remover {name}", "en": "remove {name}"},
    "action_page": {"pt": "mostrar a página", "en": "show the page"},
    "action_collection": {"pt": "abrir a coleção {name}", "en": "open collection {name}"},
    "action_delete": {"pt": "apagar a coleção {name}", "en": "delete collection {name}"},
    "action_show": {"pt": "mostrar a página do app", "en": "show the app"},
    "settings_error": {"pt": "Configuração inválida: {error}", "en": "Invalid setting: {error}"},
    "you": {"pt": "Você", "en": "You"},
    "assistant": {"pt": "Conversa", "en": "Conversa"},
    "export_title": {"pt": "Conversa sobre a coleção {name}", "en": "Conversation about collection {name}"},
    "export_when": {"pt": "Exportada em {when}.", "en": "Exported on {when}."},
    "export_interrupted": {"pt": "(resposta interrompida)", "en": "(answer interrupted)"},
    "export_empty": {"pt": "(conversa vazia)", "en": "(empty conversation)"},
}

# Nouns that follow a number: (one, many).
NOUNS: dict[str, dict[str, tuple[str, str]]] = {
    "pages": {"pt": ("página", "páginas"), "en": ("page", "pages")},
    "passages": {"pt": ("trecho", "trechos"), "en": ("passage", "passages")},
    "sections": {"pt": ("seção", "seções"), "en": ("section", "sections")},
}
