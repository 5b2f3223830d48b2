"""What the settings say about a bad value, by code, in English and pt-BR; a secret's value is never shown."""

from __future__ import annotations

from i18n.templates import Templates

# Each sentence names the variable and what it accepts; a secret's value is never a parameter.
TEMPLATES: Templates = {
    "settings.follow_up": {
        "en": "CONVERSA_FOLLOW_UP must be `llm` or `concat`, got {value!r}: fix it in .env or the environment.",
        "pt": "CONVERSA_FOLLOW_UP deve ser `llm` ou `concat`, mas recebeu {value!r}: corrija no .env ou no ambiente.",
    },
    "settings.retrieval": {
        "en": "CONVERSA_RETRIEVAL must be `hybrid` or `dense`, got {value!r}: fix it in .env or the environment.",
        "pt": "CONVERSA_RETRIEVAL deve ser `hybrid` ou `dense`, mas recebeu {value!r}: corrija no .env ou no ambiente.",
    },
    "settings.min_top_cosine": {
        "en": "CONVERSA_MIN_TOP_COSINE must be a number from -1 to 1 (a cosine), or empty, got {value!r}: fix it in "
        ".env or the environment.",
        "pt": "CONVERSA_MIN_TOP_COSINE deve ser um número de -1 a 1 (um cosseno), ou vazio, mas recebeu {value!r}: "
        "corrija no .env ou no ambiente.",
    },
    "settings.precision": {
        "en": "CONVERSA_EMBEDDING_PRECISION must be one of {choices}, got {value!r}: fix it in .env or the "
        "environment.",
        "pt": "CONVERSA_EMBEDDING_PRECISION deve ser um de {choices}, mas recebeu {value!r}: corrija no .env ou no "
        "ambiente.",
    },
    "settings.vector_store": {
        "en": "CONVERSA_VECTOR_STORE must be `faiss` or `qdrant`, got {value!r}: fix it in .env or the environment.",
        "pt": "CONVERSA_VECTOR_STORE deve ser `faiss` ou `qdrant`, mas recebeu {value!r}: corrija no .env ou no "
        "ambiente.",
    },
    "settings.choice": {
        "en": "{variable} must be one of {choices}, got {value!r}: fix it in .env or the environment.",
        "pt": "{variable} deve ser um de {choices}, mas recebeu {value!r}: corrija no .env ou no ambiente.",
    },
    "not_a_number": {
        "en": "{variable} must be a number, got {raw!r}: fix it in .env or the environment.",
        "pt": "{variable} deve ser um número, mas recebeu {raw!r}: corrija no .env ou no ambiente.",
    },
    "settings.not_a_whole_number": {
        "en": "{variable} must be a whole number, got {value!r}: fix it in .env or the environment.",
        "pt": "{variable} deve ser um número inteiro, mas recebeu {value!r}: corrija no .env ou no ambiente.",
    },
    "settings.not_a_flag": {
        "en": "{variable} must be 1 or 0 (or true/false, yes/no, on/off), got {value!r}: fix it in .env or the "
        "environment.",
        "pt": "{variable} deve ser 1 ou 0 (ou true/false, yes/no, on/off), mas recebeu {value!r}: corrija no .env ou "
        "no ambiente.",
    },
    "settings.greater_than": {
        "en": "{variable} must be greater than {limit:g}, got {value!r}: fix it in .env or the environment.",
        "pt": "{variable} deve ser maior que {limit:g}, mas recebeu {value!r}: corrija no .env ou no ambiente.",
    },
    "settings.at_least": {
        "en": "{variable} must be at least {limit:g}, got {value!r}: fix it in .env or the environment.",
        "pt": "{variable} deve ser no mínimo {limit:g}, mas recebeu {value!r}: corrija no .env ou no ambiente.",
    },
    "settings.key_format": {
        "en": "{variable} must be the key alone, with no spaces inside: fix it in .env or the environment.",
        "pt": "{variable} deve conter só a chave, sem espaços no meio: corrija no .env ou no ambiente.",
    },
    "settings.invalid": {
        "en": "{variable} cannot be used ({problem}): fix it in .env or the environment.",
        "pt": "{variable} não pode ser usada ({problem}): corrija no .env ou no ambiente.",
    },
}
