"""``KalshiAuth``: signs every ``requests`` request for the Kalshi Trade API v2."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from requests import PreparedRequest, Response
from requests.auth import AuthBase
from requests.structures import CaseInsensitiveDict
from requests.utils import get_environ_proxies, select_proxy

from .core.signer import Signer, Target
from .credentials import ENV_KEY_ID as ENV_KEY_ID  # the CLI's names, kept importable here
from .credentials import ENV_KEY_PASSWORD as ENV_KEY_PASSWORD
from .credentials import ENV_KEY_PATH as ENV_KEY_PATH
from .credentials import ENV_KEY_TEXT as ENV_KEY_TEXT
from .credentials import (
    checked_hosts,
    checked_key_id,
    checked_offset,
    credentials_from_env,
    unknown_host_error,
)
from .environments import KALSHI_HOSTS
from .errors import ConfigurationError, UntrustedHostError
from .keys import KeySource, PrivateKey, describe_key, key_fingerprint, load_private_key
from .redirects import Chain, SignedHeaders, chain_of, note_redirect
from .signing import SIGNED_HEADERS
from .urls import redact, target_of, wire_path

__all__ = ["KalshiAuth", "signer_of"]


class KalshiAuth(AuthBase):
    """Sign requests for the Kalshi Trade API v2 with an API key.

    Use it with any ``requests`` code::

        session = requests.Session()
        session.auth = KalshiAuth("a952bafb-…", "~/kalshi/demo-key.txt")

    The key is loaded and checked once, here; each request is then signed with the current
    time in milliseconds, its upper-case method and its URL path as sent (including
    ``/trade-api/v2``, without the query string). The body is never read. One instance may
    be shared by any number of threads.

    Signed headers go only to Kalshi's hosts, to loopback addresses (for local test servers)
    and to hosts named in ``allowed_hosts``; plain ``http://`` only to loopback. A request
    to any other host raises :class:`UntrustedHostError` before anything is sent.

    :param key_id: the API key id (a UUID) shown next to the key on Kalshi.
    :param private_key: the private key: a file path, PEM text (``str`` or ``bytes``), or a
        loaded ``cryptography`` RSA or Ed25519 key. See :func:`load_private_key`.
    :param password: the password of an encrypted key (``str`` or ``bytes``).
    :param allowed_hosts: more host names to sign for (such as a proxy of your own).
    :param clock: returns the current Unix time in seconds; :func:`time.time` by default.
    :param clock_offset: seconds added to ``clock()``, to make up for a local clock that is off.
    :raises ConfigurationError: a bad ``key_id`` or option.
    :raises KeyLoadError: the key cannot be loaded (see :func:`load_private_key`).
    """

    key_id: str
    """The API key id sent in ``KALSHI-ACCESS-KEY``."""
    key_type: str
    """``"RSA-2048"`` (or another RSA size) or ``"Ed25519"``."""
    allowed_hosts: frozenset[str]
    """Every host name this auth signs for, besides loopback."""

    def __init__(
        self,
        key_id: str,
        private_key: KeySource,
        *,
        password: str | bytes | None = None,
        allowed_hosts: Iterable[str] = (),
        clock: Callable[[], float] | None = None,
        clock_offset: float = 0.0,
    ) -> None:
        self.key_id = checked_key_id(key_id, private_key)
        key = load_private_key(private_key, password)
        self.key_type = describe_key(key)
        extra_hosts = checked_hosts(allowed_hosts)
        self.allowed_hosts = KALSHI_HOSTS | extra_hosts
        if clock is not None and not callable(clock):
            raise ConfigurationError("clock must be a function returning Unix time in seconds.")
        self._signer = Signer(
            self.key_id,
            key,
            extra_hosts=extra_hosts - KALSHI_HOSTS,
            clock=clock or time.time,
            offset=checked_offset(clock_offset),
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> KalshiAuth:
        r"""Build a :class:`KalshiAuth` from environment variables.

        Reads ``KALSHI_API_KEY_ID``, exactly one of ``KALSHI_PRIVATE_KEY_PATH`` (a file) or
        ``KALSHI_PRIVATE_KEY`` (the PEM text itself; ``\\n`` escapes are fine), and the
        optional ``KALSHI_PRIVATE_KEY_PASSWORD``. Empty variables count as unset.

        :param environ: where to read the variables; :data:`os.environ` by default.
        :param options: further keyword options for :class:`KalshiAuth`.
        :raises ConfigurationError: a variable is missing, or both key variables are set.
        """
        key_id, key, password = credentials_from_env(environ)
        if password is None:
            return cls(key_id, key, **options)
        return cls(key_id, key, password=password, **options)

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        """Sign the prepared request ``r``, replacing any ``KALSHI-ACCESS-*`` headers.

        The signature covers ``r``'s method and its path exactly as it goes on the wire.
        A redirect's next hop is signed for its own method and path, or carries no signature
        when it leads to a host this auth does not sign for (see :mod:`requests_kalshi.redirects`).

        :raises UntrustedHostError: ``r`` goes to a host this auth does not sign for, or is a
            plain ``http://`` request that proxy variables would send through a proxy.
        """
        self.attach(r)
        url = r.url or ""
        if target_of(url).scheme == "http" and select_proxy(url, get_environ_proxies(url)):
            raise UntrustedHostError(
                f"refusing to sign a plain http:// request to {target_of(url).host} that the "
                "environment's proxy variables send through a proxy in clear text; add the host "
                "to NO_PROXY (e.g. NO_PROXY=127.0.0.1,localhost), or use KalshiSession, which "
                "sends signed plain-http requests directly."
            )
        self.sign_request(r)
        return r

    def attach(self, r: PreparedRequest) -> None:
        """Check ``r``'s host and register the redirect hook, without signing ``r`` yet.

        :raises UntrustedHostError: ``r`` goes to a host this auth does not sign for.
        """
        self._check_target(r.url or "")
        hooks = r.hooks.setdefault("response", [])
        if self._on_response not in hooks:
            hooks.append(self._on_response)

    def _for_session(self) -> AuthBase:
        """The auth :class:`KalshiSession` prepares requests with (it signs them in send)."""
        return _SignedInSend(self)

    def sign_request(self, r: PreparedRequest) -> None:
        """Sign ``r`` now for its method and URL, with fresh :class:`SignedHeaders`."""
        headers = SignedHeaders(r.headers, chain=Chain(self))
        self.sign_headers(headers, r.method or "GET", r.url or "")
        r.headers = headers

    def sign_headers(self, headers: MutableMapping[str, str], method: str, url: str) -> None:
        """Put a signature for ``method`` and ``url``'s path on the wire into ``headers``."""
        self._sign_into(headers, method, wire_path(url))

    def _on_response(self, response: Response, **kwargs: Any) -> Response:
        if response.is_redirect:
            note_redirect(self, response)
        return response

    def headers(self, method: str, url_or_path: str) -> dict[str, str]:
        """The three signed headers for a request made some other way.

        For WebSocket handshakes (``auth.headers("GET", "/trade-api/ws/v2")``), curl, or any
        HTTP client. ``url_or_path`` is a full URL (its host is checked as for requests) or
        a path from the root; a query string is ignored, as Kalshi does. The path is signed
        as ``requests`` sends it (characters a path may not hold percent-encoded).

        The headers are for this one request: an HTTP client that follows a redirect sends
        them on to wherever it leads, unless it is told not to follow redirects (or to drop
        these headers when the host changes).

        :raises UntrustedHostError: a full URL whose host is not trusted, or that HTTP
            clients may read in different ways (see :func:`~requests_kalshi.urls.target_of`).
        :raises ConfigurationError: ``method`` or ``url_or_path`` is not a usable string.
        """
        if not isinstance(method, str) or not method.strip().isalpha():
            raise ConfigurationError(
                f"method must be an HTTP method such as 'GET', not {method!r}."
            )
        if not isinstance(url_or_path, str) or not url_or_path:
            raise ConfigurationError(
                "url_or_path must be a URL or a path such as '/trade-api/v2/…'."
            )
        if url_or_path.startswith("/") and not url_or_path.startswith("//"):
            if not url_or_path.isprintable():
                raise ConfigurationError("the path holds control characters; remove them.")
        else:
            if "://" not in url_or_path and not url_or_path.startswith("//"):
                raise ConfigurationError(
                    f"path {url_or_path!r} must start with '/', as in '/trade-api/v2/markets'."
                )
            self._check_target(url_or_path)
        headers: dict[str, str] = {}
        self._sign_into(headers, method.strip(), wire_path(url_or_path))
        return headers

    def signs_for(self, url: str) -> bool:
        """Whether this auth would sign a request to ``url`` (its scheme, host and port)."""
        try:
            target = target_of(url)
        except UntrustedHostError:
            return False
        return self._signer.trusts(Target(*target))

    @property
    def clock_offset(self) -> float:
        """Seconds added to the clock for every timestamp; may be changed at any time.

        :raises ConfigurationError: on setting anything but a finite number.
        """
        return self._signer.offset

    @clock_offset.setter
    def clock_offset(self, seconds: float) -> None:
        self._signer = self._signer.with_offset(checked_offset(seconds))

    @property
    def signer(self) -> Signer:
        """The core :class:`~requests_kalshi.core.Signer` this auth signs with now.

        A value: setting :attr:`clock_offset` replaces it.
        """
        return self._signer

    def timestamp_ms(self) -> int:
        """The timestamp the next signature would carry: ``(clock() + clock_offset)`` in ms."""
        return self._signer.timestamp_ms()

    @property
    def public_key(self) -> rsa.RSAPublicKey | ed25519.Ed25519PublicKey:
        """The public half of the key, e.g. to verify signatures in tests."""
        return self._signer.key.public_key()

    @property
    def fingerprint(self) -> str:
        """SHA-256 fingerprint of the public key (safe to log): ``SHA256:…``."""
        return key_fingerprint(self._signer.key)

    @property
    def _key(self) -> PrivateKey:
        return self._signer.key

    @_key.setter
    def _key(self, key: PrivateKey) -> None:  # the benchmarks' stand-in key
        self._signer = dataclasses.replace(self._signer, key=key)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(key_id={self.key_id!r}, key_type={self.key_type!r})"

    def _sign_into(self, headers: MutableMapping[str, str], method: str, path: str) -> None:
        if not isinstance(headers, CaseInsensitiveDict):  # where setting does not replace
            for name in SIGNED_HEADERS:
                headers.pop(name, None)
        # A CaseInsensitiveDict replaces a caller's "kalshi-access-key" in any spelling.
        for name, value in self._signer.headers(method, path).items():
            headers[name] = value

    def _check_target(self, url: str) -> None:
        target = Target(*target_of(url))
        if self._signer.trusts(target):
            return
        scheme, host, _ = target.normalised()
        if scheme in ("http", "https", "ws", "wss") and host and host not in self.allowed_hosts:
            raise unknown_host_error(host, self.allowed_hosts)
        self._signer.check(target, redact(url))


class _SignedInSend(AuthBase):
    """Checks the host at preparation and marks the request as the auth's, signing nothing.

    :class:`KalshiSession` signs every attempt and every redirect hop in its ``send()``, so
    it needs no redirect hook: the mark (the request's :class:`SignedHeaders`) names the auth.
    """

    def __init__(self, auth: KalshiAuth) -> None:
        self.auth = auth

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        self.auth._check_target(r.url or "")
        r.headers = SignedHeaders(r.headers, chain=Chain(self.auth))
        return r


def signer_of(request: PreparedRequest) -> KalshiAuth | None:
    """The :class:`KalshiAuth` that signed ``request`` (or will, in a session), if any.

    Read from the mark the auth puts on the requests it signs: their :class:`SignedHeaders`.
    """
    chain = chain_of(request)
    auth = chain.auth if chain is not None else None
    return auth if isinstance(auth, KalshiAuth) else None
