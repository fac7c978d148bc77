"""Checking credentials as a user gives them: the key id, extra hosts, ``KALSHI_*`` variables.

Each mistake raises a :class:`~requests_kalshi.ConfigurationError` (or
:class:`~requests_kalshi.KeyLoadError`) that says what is wrong and how to fix it, before any
key is used.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping

from .errors import ConfigurationError, KeyLoadError, UntrustedHostError
from .keys import KeySource, load_key_text

__all__ = [
    "ENV_KEY_ID",
    "ENV_KEY_PASSWORD",
    "ENV_KEY_PATH",
    "ENV_KEY_TEXT",
    "checked_hosts",
    "checked_key_id",
    "checked_offset",
    "credentials_from_env",
    "hosts_in_brief",
    "unknown_host_error",
]

ENV_KEY_ID = "KALSHI_API_KEY_ID"
"""The variable holding the API key id."""
ENV_KEY_PATH = "KALSHI_PRIVATE_KEY_PATH"
"""The variable holding the path of the private key file."""
ENV_KEY_TEXT = "KALSHI_PRIVATE_KEY"
"""The variable holding the private key's PEM text itself."""
ENV_KEY_PASSWORD = "KALSHI_PRIVATE_KEY_PASSWORD"  # noqa: S105 - a variable name
"""The variable holding the password of an encrypted key."""

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_BAD_KEY_ID_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")


def credentials_from_env(
    environ: Mapping[str, str] | None = None,
) -> tuple[str, KeySource, str | None]:
    """The key id, key and password that ``KALSHI_*`` variables give.

    :returns: the key id, the key (a path, or the loaded key for ``KALSHI_PRIVATE_KEY``) and
        the password to load a path with (``None`` once the key is loaded).
    :raises ConfigurationError: a variable is missing, or both key variables are set.
    :raises KeyLoadError: ``KALSHI_PRIVATE_KEY`` holds a path, or a key that cannot be loaded.
    """
    env = os.environ if environ is None else environ
    key_id = env.get(ENV_KEY_ID, "").strip()
    path = env.get(ENV_KEY_PATH, "").strip()
    text = env.get(ENV_KEY_TEXT, "").strip()
    password = env.get(ENV_KEY_PASSWORD) or None
    if not key_id:
        raise ConfigurationError(
            f"{ENV_KEY_ID} is not set: set it to your API key id, and {ENV_KEY_PATH} to "
            "the path of your private key file."
        )
    if path and text:
        raise ConfigurationError(
            f"both {ENV_KEY_PATH} and {ENV_KEY_TEXT} are set; set only one of them."
        )
    if not path and not text:
        raise ConfigurationError(
            f"{ENV_KEY_ID} is set but neither {ENV_KEY_PATH} (a key file) nor "
            f"{ENV_KEY_TEXT} (the PEM text) is; set one of them."
        )
    if path:
        return key_id, path, password
    if "-----" not in text and "\\n" not in text and os.path.lexists(os.path.expanduser(text)):
        raise KeyLoadError(
            f"{ENV_KEY_TEXT} holds the path of a file, not the key itself; set "
            f"{ENV_KEY_PATH} to the path instead."
        )
    key = load_key_text(text, password, origin=ENV_KEY_TEXT)  # never read as a path
    return key_id, key, None


def hosts_in_brief(hosts: frozenset[str], shown: int = 4) -> str:
    """A few host names (recommended ones first), then how many more."""
    names = sorted(hosts, key=lambda name: (not name.startswith("external-api"), len(name), name))
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")


def checked_key_id(key_id: object, private_key: object) -> str:
    """``key_id`` stripped, or the error that says what is wrong with it (or a swap)."""
    if not isinstance(key_id, str):
        raise ConfigurationError(
            "key_id must be a str: the API key id shown next to your key on Kalshi (a UUID "
            f"such as 'a952bafb-…'), not {type(key_id).__name__}."
        )
    if "-----BEGIN" in key_id or "PRIVATE KEY" in key_id:
        raise ConfigurationError(
            "key_id looks like a PEM; did you swap key_id and private_key? The key id comes "
            "first: KalshiAuth(key_id, private_key)."
        )
    key_id = key_id.strip()
    if not key_id:
        raise ConfigurationError(
            "key_id is empty; pass the API key id shown next to your key on Kalshi."
        )
    if isinstance(private_key, str) and _UUID.match(private_key.strip()):
        raise ConfigurationError(
            "private_key looks like a key id (a UUID); did you swap key_id and private_key? "
            "The key id comes first: KalshiAuth(key_id, private_key)."
        )
    if key_id.lower().endswith((".txt", ".pem", ".key")) or os.sep in key_id or "/" in key_id:
        raise ConfigurationError(
            "key_id looks like a file path; did you swap key_id and private_key? The key id "
            "comes first: KalshiAuth(key_id, private_key)."
        )
    if _BAD_KEY_ID_CHARS.search(key_id):
        raise ConfigurationError(
            "key_id contains spaces or control characters; copy the key id from Kalshi again."
        )
    if not key_id.isascii():
        # HTTP header values are Latin-1 at most: "a952bafb-…" would fail deep in http.client.
        raise ConfigurationError(
            "key_id contains characters that are not ASCII (such as '…' from a shortened "
            "example); copy the whole key id from Kalshi."
        )
    return key_id


def checked_hosts(hosts: Iterable[str]) -> frozenset[str]:
    """``hosts`` as a set of lower-case names, or the error for one that is not a host name."""
    if isinstance(hosts, str):
        hosts = [hosts]
    checked = set()
    for host in hosts:
        if (
            not isinstance(host, str)
            or not host.strip()
            or "/" in host
            or _BAD_KEY_ID_CHARS.search(host.strip())
        ):
            raise ConfigurationError(
                f"allowed_hosts must hold host names such as 'proxy.example.com', not {host!r}."
            )
        checked.add(host.strip().lower())
    return frozenset(checked)


def checked_offset(seconds: object) -> float:
    """``seconds`` as a clock offset, or the error for anything but a finite number.

    :raises ConfigurationError: not a finite number of seconds.
    """
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, (int, float))
        or not math.isfinite(seconds)
    ):
        raise ConfigurationError(
            f"clock_offset must be a finite number of seconds, not {seconds!r}."
        )
    return float(seconds)


def unknown_host_error(host: str, allowed_hosts: frozenset[str]) -> UntrustedHostError:
    """The error for a request to ``host``, which is not among ``allowed_hosts``."""
    return UntrustedHostError(
        f"refusing to sign a request to {host}: it is not among the hosts this auth "
        f"signs for ({hosts_in_brief(allowed_hosts)}; loopback), so the "
        "KALSHI-ACCESS-* headers could leak to it. Check the URL for a typo; if this "
        "host is yours (a proxy or test server) or a Kalshi host missing from that "
        f"list, pass allowed_hosts=[{host!r}] to KalshiAuth (or session())."
    )
