"""Small PDFs built by the tests themselves: one-off pages, study notes with known facts, and the usual bad files."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter

# A fixed date makes the same pages give the same bytes (and content hash) from one run to the next.
_CREATED = datetime(2024, 3, 1, tzinfo=UTC)


def make_pdf(pages: list[str], password: str | None = None, footer: str | None = None) -> bytes:
    """A text PDF with one page per string (Latin-1 text, Helvetica); `footer` may hold {n} for the page number."""
    pdf = FPDF()
    pdf.set_creation_date(_CREATED)
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", size=11)
    for number, text in enumerate(pages, start=1):
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 6, text)
        if footer:
            pdf.set_y(-15)
            pdf.cell(0, 8, footer.format(n=number))
    if password:
        pdf.set_encryption(owner_password="owner-" + password, user_password=password)
    return bytes(pdf.output())


# Study notes in Portuguese, written for the tests: five pages (six chunks, page 3 being longer) with a running
# footer, in Latin-1 only (Helvetica). Each page opens with the sentence a test looks for: the fake chat model
# answers with the first sentence of the passages it cites.
NOTES = "notas-de-estudo.pdf"
NOTES_FOOTER = NOTES + " - página {n} de 5"
NOTES_PAGES = [
    "Um modelo de linguagem grande (LLM) prevê o próximo token de um texto a partir dos tokens anteriores. "
    "Notas de estudo sobre modelos de linguagem, tokens, decodificação e modelos de chat. "
    "A maioria dos LLMs atuais usa a arquitetura Transformer, proposta em 2017, que processa todos os tokens "
    "de uma sequência em paralelo durante o treino. Um LLM é treinado com bilhões de palavras de livros, páginas "
    "da web e código, e aprende regularidades da língua sem rótulos feitos à mão: a tarefa de prever o próximo "
    "token já traz a supervisão. Depois desse pré-treino, um ajuste com instruções ensina o modelo a seguir "
    "pedidos e a responder em forma de conversa. Modelos de base completam textos; modelos de instrução "
    "respondem perguntas. O tamanho de um modelo é medido em parâmetros: um modelo de 7 bilhões de parâmetros "
    "ocupa cerca de 14 GB em 16 bits e cerca de 4 GB quantizado em 4 bits. A quantização troca um pouco de "
    "qualidade por memória e velocidade, e é o que permite rodar um modelo num notebook sem placa de vídeo.",
    "O token EOS (fim de sequência) é o token especial que o modelo gera para dizer que a resposta terminou. "
    "Um token é um pedaço de texto: uma palavra inteira, parte de uma palavra ou um sinal de pontuação. "
    "O vocabulário de um LLM costuma ter entre 32 mil e 150 mil tokens, bem menos que as palavras de uma "
    "língua, porque a tokenização trabalha com subpalavras que se combinam. A palavra 'decodificação' pode "
    "virar três tokens, e uma palavra rara pode virar muitos. Cada modelo tem seus tokens especiais: além do "
    "EOS, há tokens que marcam o início de uma mensagem, o papel de quem fala e o fim de um turno. O EOS de "
    "um modelo não serve para outro, e por isso o texto enviado a cada modelo precisa usar os tokens dele. "
    "Quando o modelo gera o EOS, o programa que o executa para de pedir novos tokens. Sem o EOS, a geração "
    "só para no limite de tokens definido por quem chama o modelo, e a resposta pode ficar cortada no meio. "
    "Contar tokens importa: o preço das APIs e o tamanho da janela de contexto são medidos em tokens.",
    "Durante o loop de decodificação, o modelo calcula a probabilidade de cada token do vocabulário e escolhe "
    "um token para acrescentar ao texto. O token escolhido entra na sequência e o loop recomeça, até que o "
    "modelo gere o token EOS ou atinja o limite de tokens. A decodificação gulosa escolhe sempre o token mais "
    "provável: é rápida e repetível, mas pode cair em repetições. A amostragem sorteia o token segundo as "
    "probabilidades; a temperatura controla quanto o sorteio se afasta do token mais provável. Com temperatura "
    "zero a amostragem vira decodificação gulosa; com temperatura alta as respostas ficam mais variadas e "
    "menos previsíveis. O top-p limita o sorteio aos tokens mais prováveis cuja soma de probabilidades chega "
    "a p. A busca em feixe (beam search) mantém várias sequências candidatas a cada passo e fica com a de maior "
    "probabilidade total, o que ajuda em tradução e resumo. Cada volta do loop custa uma passagem pelo modelo "
    "inteiro, e por isso respostas longas demoram mais que respostas curtas. Para acelerar o loop, os "
    "programas guardam as chaves e os valores da atenção dos tokens já processados (o cache KV), e cada volta "
    "só calcula o token novo. A decodificação especulativa usa um modelo pequeno para propor vários tokens de "
    "uma vez, que o modelo grande confere numa única passagem. Os parâmetros de decodificação mudam o estilo "
    "da resposta, mas não o que o modelo sabe: uma temperatura baixa não corrige um fato que o modelo não "
    "aprendeu. Em RAG, uma temperatura baixa ajuda a resposta a ficar perto dos trechos recuperados.",
    "A atenção permite que cada token considere todos os tokens anteriores ao prever o próximo. "
    "Nem todas as palavras de uma frase importam igualmente para a próxima: na frase 'A capital do Brasil "
    "é', a palavra 'capital' e a palavra 'Brasil' pesam mais que o artigo. A janela de contexto é o número "
    "máximo de tokens que o modelo consegue considerar de uma vez. Os primeiros modelos tinham janelas de "
    "2 mil tokens; modelos recentes aceitam 128 mil tokens ou mais. Tudo o que passa da janela é cortado e "
    "o modelo simplesmente não vê. Numa busca aumentada por recuperação (RAG), os trechos dos documentos, "
    "o histórico da conversa e a pergunta precisam caber juntos na janela, deixando espaço para a resposta. "
    "Por isso um sistema de RAG escolhe poucos trechos bons em vez de muitos trechos medianos, e resume ou "
    "corta o histórico de conversas longas. O custo da atenção cresce com o quadrado do tamanho da sequência.",
    "Um chat template transforma a lista de mensagens da conversa no texto exato que o modelo espera receber. "
    "Cada mensagem tem um papel: system para as instruções gerais, user para o que a pessoa escreve e "
    "assistant para o que o modelo respondeu antes. O template coloca os tokens especiais de cada modelo entre "
    "as mensagens, e assim o mesmo código de aplicação conversa com modelos diferentes. Usar o template errado "
    "faz o modelo confundir quem fala e piora as respostas. As bibliotecas aplicam o template do próprio "
    "modelo a partir da lista de mensagens, e o modelo então continua o texto depois da última marca de "
    "assistant, até gerar o token EOS.",
]


@cache
def study_notes() -> bytes:
    """The five pages of NOTES_PAGES with their running footer."""
    return make_pdf(NOTES_PAGES, footer=NOTES_FOOTER)


# The inputs a user will sooner or later drop in, with the password of the encrypted one.
BAD_PASSWORD = "senha123"


@cache
def bad_pdfs() -> dict[str, bytes]:
    """Six files that each fail to index for their own reason, by file name."""
    whole = study_notes()
    return {
        # Scanned pages with text are now read by OCR (tests/test_ocr.py): the bad scan is one with nothing to read.
        "escaneado-sem-texto.pdf": _scan(["", ""]),
        "imagem-png-renomeada.pdf": _png(),
        "pagina-em-branco.pdf": make_pdf([""]),
        "protegido-senha.pdf": _aes_encrypted(whole, BAD_PASSWORD),
        "truncado-metade.pdf": whole[: len(whole) // 2],
        "vazio.pdf": b"",
    }


def write_pdfs(folder: Path, files: dict[str, bytes]) -> Path:
    """Write files (name to bytes) into folder, creating it; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _aes_encrypted(data: bytes, password: str) -> bytes:
    # pypdf's AES-256, where make_pdf's fpdf2 encryption is RC4: both kinds reach the loader.
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.encrypt(user_password=password, owner_password="dono-" + password, algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), color=(40, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def _scan(lines: list[str]) -> bytes:
    """Pages that are only pictures of text, as a scanner makes them: no text layer."""
    pdf = FPDF()
    pdf.set_creation_date(_CREATED)
    font = ImageFont.load_default(size=40)
    for line in lines:
        image = Image.new("L", (1240, 1754), color=255)
        ImageDraw.Draw(image).text((100, 150), line, fill=0, font=font)
        pdf.add_page()
        pdf.image(image, x=0, y=0, w=210)
    return bytes(pdf.output())
