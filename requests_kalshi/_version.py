"""The package version."""

__version__ = "0.1.0"
"""The version of requests-kalshi, such as ``"0.1.0"``."""
