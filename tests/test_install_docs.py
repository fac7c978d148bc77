"""Install instructions a new user can follow today: none promises a PyPI release that is
not there yet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["README.md", "docs/quickstart.md", "docs/index.md"]


@pytest.mark.parametrize("page", PAGES)
def test_pypi_installs_are_marked_for_after_the_first_release(page: str) -> None:
    for line in (ROOT / page).read_text(encoding="utf-8").splitlines():
        if re.search(r"pip install ['\"]?requests-kalshi\b", line):
            assert "after the first release" in line, f"{page}: {line.strip()}"


@pytest.mark.parametrize("page", ["README.md", "docs/quickstart.md"])
def test_install_from_a_checkout_or_git_url_is_shown(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    assert "pip install ." in text
    assert 'pip install "git+' in text


def test_ci_runs_the_packaging_check() -> None:
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    package = (ROOT / ".ci" / "package").read_text(encoding="utf-8")
    assert "step package bash .ci/package" in run
    for needed in ("python -m build", "twine check", "-m venv", "request GET /portfolio/balance"):
        assert needed in package


def test_the_release_workflow_publishes_with_trusted_publishing() -> None:
    workflow = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    assert "pypa/gh-action-pypi-publish" in workflow
    assert "id-token: write" in workflow
    assert "tags:" in workflow
    assert "bash .ci/package dist" in workflow
