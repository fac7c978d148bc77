"""The README's quickstart command, taken from the README itself and run, so it cannot rot."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = "## Quickstart (no account needed)"


def quickstart() -> str:
    start = README.index(SECTION)
    end = README.find("\n## ", start + len(SECTION))
    return README[start : end if end != -1 else None]


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def cli_command(words: list[str]) -> list[str]:
    """``requests-kalshi …`` as this interpreter runs it: the installed script next to it
    (CI installs with ``pip install -e .[dev]``), else ``python -m requests_kalshi``."""
    assert words[0] == "requests-kalshi"
    script = Path(sys.executable).parent / "requests-kalshi"
    runner = [str(script)] if script.exists() else [sys.executable, "-m", "requests_kalshi"]
    return runner + words[1:]


def test_quickstart_is_near_the_top() -> None:
    assert README.index(SECTION) < README.index("## Install")


def test_first_command_runs_and_prints_what_the_readme_shows() -> None:
    section = quickstart()
    first = code_blocks(section, "bash")[0].strip().splitlines()[0]
    install, _, command = first.partition(" && ")
    assert install == "pip install ."  # the package under test is the working tree itself
    env = {k: v for k, v in os.environ.items() if not k.startswith("KALSHI_")}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        cli_command(shlex.split(command)),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    shown = code_blocks(section, "json")[0]
    assert json.loads(result.stdout) == json.loads(shown)
    assert result.stdout.strip() == shown.strip()


def test_demo_variant_is_the_same_command() -> None:
    section = quickstart()
    local = code_blocks(section, "bash")[0].strip().splitlines()[0].partition(" && ")[2]
    demo = code_blocks(section, "bash")[1].strip().splitlines()
    assert demo[-1] == local.replace("--env local", "--env demo")
    exported = {line.split()[1].split("=")[0] for line in demo if line.startswith("export ")}
    assert exported == {"KALSHI_API_KEY_ID", "KALSHI_PRIVATE_KEY_PATH"}
