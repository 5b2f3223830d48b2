"""Sentences from rag/ and llm/ in the interface's language.

Most arrive as i18n Messages, which carry their own translations (rag/messages.py, llm/messages.py). The Qdrant
store's errors (rag/qdrant_connection.py, rag/qdrant_collection.py) are still plain English, so they are translated
here, recognised by the fixed wording around their parameters; a sentence not recognised is shown as it came.
"""

from __future__ import annotations

import re

from i18n import localize

# English sentence pattern -> {language: template}; the named groups are the parameters, kept verbatim.
_DOCKER = "`docker run -p 6333:6333 qdrant/qdrant`"
QDRANT_SENTENCES: dict[str, dict[str, str]] = {
    r"CONVERSA_VECTOR_STORE=qdrant needs the qdrant-client package: pip install -r requirements\.txt\.": {
        "pt": "CONVERSA_VECTOR_STORE=qdrant precisa do pacote qdrant-client: pip install -r requirements.txt.",
    },
    r"The local Qdrant store in (?P<folder>.+) is in use by another process\. To share collections between "
    r"processes, run a Qdrant server \(for example `docker run -p 6333:6333 qdrant/qdrant`\) and set QDRANT_URL\.": {
        "pt": "O armazenamento local do Qdrant em {folder} está em uso por outro processo. Para compartilhar coleções "
        f"entre processos, rode um servidor Qdrant (por exemplo {_DOCKER}) e defina QDRANT_URL.",
    },
    r"Qdrant at (?P<where>.+) refused the request \((?P<status>\d+)\): check QDRANT_API_KEY\.": {
        "pt": "O Qdrant em {where} recusou o pedido ({status}): confira QDRANT_API_KEY.",
    },
    r"Qdrant at (?P<where>.+) answered (?P<status>\d+) (?P<phrase>.*); check the server's log\.": {
        "pt": "O Qdrant em {where} respondeu {status} {phrase}; veja o log do servidor.",
    },
    r"Qdrant is not reachable at (?P<where>.+): start it \(for example `docker run -p 6333:6333 qdrant/qdrant`\), "
    r"check QDRANT_URL, or set CONVERSA_VECTOR_STORE=faiss\.": {
        "pt": f"O Qdrant não está acessível em {{where}}: inicie-o (por exemplo {_DOCKER}), confira QDRANT_URL ou "
        "defina CONVERSA_VECTOR_STORE=faiss.",
    },
    r"The Qdrant collection (?P<where>.+) was not created by this version of Conversa; delete it or choose another "
    r"collection name\.": {
        "pt": "A coleção {where} do Qdrant não foi criada por esta versão do Conversa; apague-a ou escolha outro nome "
        "de coleção.",
    },
    r"The Qdrant collection (?P<where>.+) has damaged settings; delete it and ingest again\.": {
        "pt": "A coleção {where} do Qdrant está com as configurações danificadas; apague-a e indexe os documentos de "
        "novo.",
    },
    r"A document record in Qdrant has invalid values; delete the collection and ingest again\.": {
        "pt": "Um registro de documento no Qdrant tem valores inválidos; apague a coleção e indexe os documentos de "
        "novo.",
    },
    r"Collection (?P<name>.+) was just created with the embedding model (?P<model>.+); open it again to use it "
    r"with that model\.": {
        "pt": "A coleção {name} acabou de ser criada com o modelo de embeddings {model}; abra-a de novo para usá-la "
        "com esse modelo.",
    },
}
_PATTERNS = [(re.compile(pattern, re.S), templates) for pattern, templates in QDRANT_SENTENCES.items()]


def localized(value: object, language: str) -> str:
    """`value` (a sentence, a Message, or an exception raised with one) as the interface shows it in `language`."""
    shown = localize(value, language)
    for pattern, templates in _PATTERNS:
        if (found := pattern.fullmatch(shown)) and language in templates:
            return templates[language].format(**found.groupdict())
    return shown
