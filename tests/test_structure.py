"""How the package is laid out: the layers a reader should see from the file names."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import requests_kalshi
from requests_kalshi import KalshiSession, sessions

PACKAGE = Path(requests_kalshi.__file__).resolve().parent


def imports_of(module: str) -> set[str]:
    tree = ast.parse((PACKAGE / module).read_text())
    return {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}


def test_auth_and_redirects_do_not_import_each_other() -> None:
    """redirects.py works with anything that has a core signer; it names no auth class."""
    assert "auth" not in imports_of("redirects.py")
    assert "redirects" in imports_of("auth.py")


def test_session_is_the_function_and_sessions_the_module() -> None:
    assert callable(requests_kalshi.session)
    assert requests_kalshi.session is sessions.session
    assert importlib.util.find_spec("requests_kalshi.session") is None
    assert sessions.KalshiSession is KalshiSession
    assert sessions.DEFAULT_TIMEOUT == (3.05, 30.0)
