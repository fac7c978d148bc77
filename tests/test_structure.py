"""How the package is laid out: the layers a reader should see from the file names."""

from __future__ import annotations

import ast
import importlib
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


MOVED_FROM_THE_TOP_LEVEL = {
    "DeprecatedEndpointError": "requests_kalshi.api_errors",
    "EncryptedKeyError": "requests_kalshi.errors",
    "KeyFileError": "requests_kalshi.errors",
    "UnsupportedKeyError": "requests_kalshi.errors",
    "UnknownEnvironmentError": "requests_kalshi.errors",
    "load_private_key": "requests_kalshi.keys",
    "resolve_environment": "requests_kalshi.environments",
    "resolve_rate_limit": "requests_kalshi.ratelimit",
    "sign_message": "requests_kalshi.signing",
    "signed_path": "requests_kalshi.signing",
    "string_to_sign": "requests_kalshi.signing",
    "verify_signature": "requests_kalshi.signing",
}


def test_the_top_level_is_what_a_user_types() -> None:
    """About as many names as ``requests`` exports; the rest lives in its module."""
    assert len(requests_kalshi.__all__) <= 25
    assert {name for name in requests_kalshi.__all__ if not hasattr(requests_kalshi, name)} == set()
    for name, module in MOVED_FROM_THE_TOP_LEVEL.items():
        assert name not in requests_kalshi.__all__
        assert hasattr(importlib.import_module(module), name), (name, module)


def test_every_error_a_user_catches_is_a_kalshi_error() -> None:
    """The top level's exceptions, and the ones moved to their modules, share one base."""
    classes = [getattr(requests_kalshi, name) for name in requests_kalshi.__all__]
    errors = [c for c in classes if isinstance(c, type) and issubclass(c, Exception)]
    assert len(errors) >= 10
    assert all(issubclass(error, requests_kalshi.KalshiError) for error in errors)
