"""pytest fixtures for the local exchange and the ``responses`` mock.

Enable them in your ``conftest.py``::

    pytest_plugins = ["requests_kalshi.testing.pytest_plugin"]

or on the command line with ``-p requests_kalshi.testing.pytest_plugin``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .exchange import LocalExchange
from .mock import KalshiMock

__all__ = ["kalshi_exchange", "kalshi_mock"]


@pytest.fixture
def kalshi_exchange() -> Iterator[LocalExchange]:
    """A running :class:`LocalExchange` (Ed25519 throwaway key), stopped after the test."""
    with LocalExchange(key_type="ed25519") as exchange:
        yield exchange


@pytest.fixture
def kalshi_mock() -> Iterator[KalshiMock]:
    """A started :class:`KalshiMock` for the demo base URL, stopped after the test."""
    with KalshiMock(key_type="ed25519") as mock:
        yield mock
