"""``Signer``: the value that turns (method, path) into Kalshi's three signed headers.

It also decides which targets may receive them. Trust is decided on the ``(scheme, host,
port)`` the adapter read with its own client's URL parser, so the decision is about exactly
what that client will connect to.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from requests_kalshi.environments import KALSHI_HOSTS, is_loopback_host
from requests_kalshi.errors import UntrustedHostError
from requests_kalshi.keys import PrivateKey

from .signature import ACCESS_KEY, ACCESS_SIGNATURE, ACCESS_TIMESTAMP, sign_message, string_to_sign

__all__ = ["Signer", "Target"]

log = logging.getLogger("requests_kalshi")

_SECURE = frozenset({"https", "wss"})
_PLAIN = frozenset({"http", "ws"})
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


class Target(NamedTuple):
    """Where a request goes, as the connecting client parsed its URL.

    :ivar scheme: ``"https"``, ``"http"``, ``"wss"`` or ``"ws"`` (any case).
    :ivar host: the host name or IP literal (IPv6 with or without brackets), any case.
    :ivar port: the port, or ``None`` for the scheme's default.
    """

    scheme: str
    host: str
    port: int | None = None

    def normalised(self) -> Target:
        """Lower-case scheme and host, no IPv6 brackets, the default port made explicit."""
        scheme = self.scheme.lower()
        port = self.port if self.port is not None else _DEFAULT_PORTS.get(scheme)
        return Target(scheme, self.host.strip("[]").lower().rstrip("."), port)


@functools.lru_cache(maxsize=256)
def _trusts(extra_hosts: frozenset[str], target: Target) -> bool:
    # Cached: every request asks, about a handful of targets.
    scheme, host, port = target.normalised()
    if scheme not in _SECURE and scheme not in _PLAIN:
        return False
    if is_loopback_host(target.host):  # as written: "127.0.0.1." is a DNS name
        return True
    if scheme not in _SECURE:
        return False
    if host in KALSHI_HOSTS:
        return port == 443
    return host in extra_hosts


@dataclass(frozen=True, repr=False)
class Signer:
    """An API key and its rules: which targets it signs for, and the clock it signs with.

    Trusted targets: Kalshi's own hosts over ``https``/``wss`` on port 443; loopback
    (``localhost`` and loopback IP literals) over any of ``http``, ``https``, ``ws``,
    ``wss`` on any port, for local test servers; and the hosts in ``extra_hosts`` over
    ``https``/``wss`` on any port. Plain ``http`` goes to loopback only.

    :param key_id: the API key id sent in ``KALSHI-ACCESS-KEY``.
    :param key: the loaded RSA or Ed25519 private key.
    :param extra_hosts: more host names to sign for (lower case), such as a proxy of your own.
    :param clock: the current Unix time in seconds.
    :param offset: seconds added to ``clock()`` for every timestamp.
    """

    key_id: str
    key: PrivateKey
    extra_hosts: frozenset[str] = field(default=frozenset())
    clock: Callable[[], float] = field(default=time.time)
    offset: float = 0.0

    def timestamp_ms(self) -> int:
        """The timestamp the next signature carries: ``(clock() + offset)`` in milliseconds."""
        return int((self.clock() + self.offset) * 1000)

    def headers(self, method: str, path: str) -> dict[str, str]:
        """The three ``KALSHI-ACCESS-*`` headers for ``method`` and ``path``, signed now.

        :param method: the method that goes on the wire (upper-cased here).
        :param path: the path that goes on the wire, from the root, without the query.
        """
        timestamp = self.timestamp_ms()
        text = string_to_sign(timestamp, method, path)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("signing %r for key %s", text, self.key_id)
        return {
            ACCESS_KEY: self.key_id,
            ACCESS_TIMESTAMP: str(timestamp),
            ACCESS_SIGNATURE: sign_message(self.key, text),
        }

    def trusts(self, target: Target) -> bool:
        """Whether signed headers may go to ``target``."""
        return _trusts(self.extra_hosts, target)

    def check(self, target: Target, url: str) -> None:
        """Raise :class:`UntrustedHostError` unless :meth:`trusts` ``target`` (of ``url``).

        :raises UntrustedHostError: with what is wrong and how to fix it.
        """
        if self.trusts(target):
            return
        scheme, host, port = target.normalised()
        if (scheme not in _SECURE and scheme not in _PLAIN) or not host:
            raise UntrustedHostError(f"cannot sign {url!r}: it is not an http(s) URL with a host.")
        if scheme in _PLAIN and (host in KALSHI_HOSTS or host in self.extra_hosts):
            raise UntrustedHostError(
                f"refusing to sign a plain {scheme}:// request to {host}: signed headers go "
                "over https only (plain http is allowed for loopback test servers). Use https://."
            )
        if host in KALSHI_HOSTS:
            raise UntrustedHostError(
                f"refusing to sign a request to {host} on port {port}: Kalshi serves its API on "
                "port 443 only. Remove the port from the URL."
            )
        raise UntrustedHostError(
            f"refusing to sign a request to {host}: it is not among the hosts this auth signs "
            "for, so the KALSHI-ACCESS-* headers could leak to it. Check the URL for a typo; if "
            "this host is yours (a proxy or test server) or a Kalshi host missing from that "
            f"list, pass allowed_hosts=[{host!r}]."
        )

    def with_offset(self, offset: float) -> Signer:
        """The same signer with another clock ``offset`` (seconds)."""
        return dataclasses.replace(self, offset=offset)

    def __repr__(self) -> str:
        return f"Signer(key_id={self.key_id!r}, offset={self.offset:+.3f})"
