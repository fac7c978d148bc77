"""The pytest fixtures, used in-process here and as a user would, from a conftest, below."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from requests_kalshi.testing import KalshiMock, LocalExchange

pytest_plugins = ["requests_kalshi.testing.pytest_plugin"]

ROOT = Path(__file__).resolve().parent.parent


def test_kalshi_exchange_fixture(kalshi_exchange: LocalExchange) -> None:
    with kalshi_exchange.session() as s:
        assert s.get("/portfolio/balance", timeout=5).json()["balance"] == 100000
    assert kalshi_exchange.requests[-1].auth == "ok"


def test_kalshi_mock_fixture(kalshi_mock: KalshiMock) -> None:
    with kalshi_mock.session() as s:
        assert s.get("/portfolio/balance").json()["balance"] == 100000


def test_fixtures_from_a_users_conftest(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ["requests_kalshi.testing.pytest_plugin"]\n'
    )
    (tmp_path / "test_bot.py").write_text(
        textwrap.dedent(
            """
            def test_bot(kalshi_exchange):
                kalshi_exchange.fail_next(status=503)
                with kalshi_exchange.session(retries=0) as s:
                    assert s.get("/portfolio/balance").status_code == 503
                    assert s.get("/portfolio/balance").json()["balance"] == 100000
            """
        )
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:cov",
            str(tmp_path),
        ],
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
