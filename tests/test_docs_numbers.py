"""The figures in the docs point at benchmark commands that exist, and agree with each other."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PERFORMANCE = ROOT / "docs" / "performance.md"
COMMAND = re.compile(r"`python (benchmarks/\S+\.py)((?: --only \S+)*)`")
needs_benchmarks = pytest.mark.skipif(
    not (ROOT / "benchmarks" / "run.py").is_file(),
    reason="benchmarks/ is not shipped in the sdist; checked in the repository",
)


def benchmark_groups() -> set[str]:
    """The names ``benchmarks/run.py --only`` accepts, read from its argument parser."""
    tree = ast.parse((ROOT / "benchmarks" / "run.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "choices":
            return set(ast.literal_eval(node.value))
    raise AssertionError("benchmarks/run.py has no --only choices")


def numbers_table() -> list[list[str]]:
    text = PERFORMANCE.read_text(encoding="utf-8")
    section = text.split("## The numbers", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


@needs_benchmarks
def test_every_figure_names_the_command_that_reproduces_it() -> None:
    rows = numbers_table()
    assert rows
    groups = benchmark_groups()
    for measure, result, _target, command in rows:
        match = COMMAND.fullmatch(command)
        assert match, f"{measure!r} ({result}) does not say how to reproduce it: {command!r}"
        assert (ROOT / match[1]).is_file(), command
        for group in match[2].split("--only")[1:]:
            assert group.strip() in groups, f"{command}: no benchmark group {group.strip()!r}"


def test_timed_figures_are_ranges() -> None:
    for measure, result, *_ in numbers_table():
        if "in instructions" in measure:  # a count, the same on every run
            continue
        assert re.search(r"\d–\d", result), f"{measure!r} quotes one run: {result!r}"


def test_the_ed25519_speed_up_is_quoted_alike() -> None:
    (ratio,) = [r for m, r, *_ in numbers_table() if m.startswith("Ed25519 ÷ RSA-2048")]
    low, high = re.findall(r"\d+", ratio)
    keys = " ".join((ROOT / "docs" / "keys.md").read_text(encoding="utf-8").split())
    assert f"Ed25519 signs {low}–{high} times faster than RSA-2048" in keys
