"""Redirects with any transport adapter: no signature reaches a host the auth does not sign
for, every same-host hop is signed for its own method and the path on the wire, and
``response.history`` keeps the headers each request was really sent with."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519
from hypothesis import given, settings
from hypothesis import strategies as st
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from requests_kalshi import KalshiAuth, KalshiSession, UntrustedHostError
from requests_kalshi.urls import wire_path

from .conftest import KEY_ID
from .loopback import Received, Reply
from .scripted import ScriptedServer, Step, signature_of
from .verifier import is_valid

FOREIGN = "evil.test"
STATUSES = [301, 302, 303, 307, 308]


@pytest.fixture
def foreign_host(monkeypatch: pytest.MonkeyPatch) -> str:
    """``evil.test`` resolves to 127.0.0.1 here; to the auth it is a foreign host."""
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == FOREIGN else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return FOREIGN


class CopyingAdapter(HTTPAdapter):
    """Sends a copy of the request, as adapters that add headers often do."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        return super().send(request.copy(), *args, **kwargs)


class HeaderAddingAdapter(HTTPAdapter):
    """Adds a header to a copy of the request."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        sent = request.copy()
        sent.headers["X-Trace"] = "1"
        return super().send(sent, *args, **kwargs)


class HeaderReplacingAdapter(HTTPAdapter):
    """Rebuilds the headers as a new mapping: the auth loses sight of the signed request."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        sent = request.copy()
        sent.headers = CaseInsensitiveDict(dict(request.headers))
        return super().send(sent, *args, **kwargs)


ADAPTERS = {
    "default": HTTPAdapter,
    "copying": CopyingAdapter,
    "adding": HeaderAddingAdapter,
    "replacing": HeaderReplacingAdapter,
}


def client(kind: str, adapter: str, auth: KalshiAuth, base_url: str) -> requests.Session:
    s: requests.Session
    if kind == "KalshiSession":
        s = KalshiSession(base_url, auth=auth, retry=None)
    else:
        s = requests.Session()
        s.auth = auth
    for prefix in ("http://", "https://"):
        s.mount(prefix, ADAPTERS[adapter]())
    return s


def redirect(status: int, location: str) -> Reply:
    return status, {"Location": location, "Content-Length": "0"}, b""


def to_host(status: int, host: str, path: str) -> Callable[[Received], Reply]:
    """A redirect to ``host`` on the port the request arrived on."""

    def respond(received: Received) -> Reply:
        port = {k.lower(): v for k, v in received.headers.items()}["host"].rsplit(":", 1)[1]
        return redirect(status, f"http://{host}:{port}{path}")

    return respond


def is_signed(received: Received) -> bool:
    return any(name.lower().startswith("kalshi-access-") for name in received.headers)


def host_of(received: Received) -> str:
    return {k.lower(): v for k, v in received.headers.items()}["host"].split(":")[0]


def check_history(response: requests.Response, auth: KalshiAuth) -> None:
    """Every request in the chain carries the signature for its own method and wire path."""
    for hop in [*response.history, response]:
        sent = hop.request
        assert sent is not None
        headers = {k.lower(): v for k, v in sent.headers.items()}
        if "kalshi-access-signature" not in headers:
            continue
        text = f"{headers['kalshi-access-timestamp']}{sent.method}{wire_path(sent.url or '')}"
        assert is_valid(auth.public_key, text, headers["kalshi-access-signature"])


def kinds_and_adapters() -> list[tuple[str, str]]:
    """Every client with every adapter, but a plain Session with a header-replacing adapter
    (which gets an error instead, see below)."""
    return [
        (kind, adapter)
        for kind in ("requests.Session", "KalshiSession")
        for adapter in sorted(ADAPTERS)
        if (kind, adapter) != ("requests.Session", "replacing")
    ]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize(("kind", "adapter"), kinds_and_adapters())
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_no_signature_follows_a_redirect_to_a_foreign_host(
    ed_key: ed25519.Ed25519PrivateKey,
    foreign_host: str,
    status: int,
    adapter: str,
    kind: str,
    method: str,
) -> None:
    auth = KalshiAuth(KEY_ID, ed_key)
    script = [
        to_host(status, foreign_host, "/trade-api/v2/stolen"),
        to_host(302, "127.0.0.1", "/trade-api/v2/back"),  # and back to a trusted host
    ]
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        s = client(kind, adapter, auth, server.url)
        response = s.request(method, server.url + "/start", data=b"x", timeout=5)
        assert response.status_code == 200
    first, foreign, back = server.received
    assert signature_of(first, ed_key.public_key(), KEY_ID) is not None
    assert host_of(foreign) == foreign_host
    assert not is_signed(foreign)
    assert not is_signed(back)  # a chain that left the trusted hosts is not signed again
    check_history(response, auth)


ODD_PATHS = [
    "/trade-api/v2/moved",
    "/trade-api/v2/a%2fb",
    "/trade-api/v2/a[1]",
    "/trade-api/v2/100%",
    "/trade-api/v2/a%zzb",
    "/trade-api/v2/tab\there",
    "/trade-api/v2/sp ace/caf%C3%A9",
    "/trade-api/v2/x/../y/./z",
    "../v2/relative",
]


@pytest.mark.parametrize("location", ODD_PATHS)
@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize(("kind", "adapter"), kinds_and_adapters())
def test_every_same_host_hop_is_signed_for_its_own_method_and_wire_path(
    ed_key: ed25519.Ed25519PrivateKey, location: str, status: int, adapter: str, kind: str
) -> None:
    auth = KalshiAuth(KEY_ID, ed_key)
    script = [redirect(status, location), redirect(307, "/trade-api/v2/last")]
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        s = client(kind, adapter, auth, server.url)
        response = s.post(server.url + "/start", data=b"x", timeout=5)
        assert response.status_code == 200
    assert len(server.received) == 3
    assert None not in server.timestamps()  # each hop verifies for what arrived
    check_history(response, auth)


@pytest.mark.parametrize("adapter", ["default", "copying", "adding"])
def test_history_keeps_the_headers_each_request_was_sent_with(
    ed_key: ed25519.Ed25519PrivateKey, adapter: str
) -> None:
    auth = KalshiAuth(KEY_ID, ed_key)
    script = [redirect(302, "/trade-api/v2/b"), redirect(302, "/trade-api/v2/c")]
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        s = client("requests.Session", adapter, auth, server.url)
        response = s.get(server.url + "/a", timeout=5)
    sent = [hop.request for hop in [*response.history, response]]
    for request, received in zip(sent, server.received, strict=True):
        assert request is not None
        arrived = {k.lower(): v for k, v in received.headers.items()}
        assert request.headers["KALSHI-ACCESS-SIGNATURE"] == arrived["kalshi-access-signature"]


def test_an_adapter_that_replaces_the_headers_cannot_leak_them(
    ed_key: ed25519.Ed25519PrivateKey, foreign_host: str
) -> None:
    script = [to_host(302, foreign_host, "/trade-api/v2/stolen")]
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        s = requests.Session()
        s.auth = KalshiAuth(KEY_ID, ed_key)
        s.mount("http://", HeaderReplacingAdapter())
        with pytest.raises(UntrustedHostError, match="adapter replaced"):
            s.get(server.url + "/start", timeout=5)
    assert len(server.received) == 1  # the foreign host was never asked


def test_allow_redirects_false_gives_a_next_request_without_the_signature(
    ed_key: ed25519.Ed25519PrivateKey, foreign_host: str
) -> None:
    script = [redirect(302, f"http://{foreign_host}/trade-api/v2/stolen")]
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        s = requests.Session()
        s.auth = KalshiAuth(KEY_ID, ed_key)
        response = s.get(server.url + "/start", allow_redirects=False, timeout=5)
    assert response.status_code == 302
    assert response.next is not None
    assert not any(n.lower().startswith("kalshi-access-") for n in response.next.headers)
    assert response.request is not None
    assert "KALSHI-ACCESS-SIGNATURE" in response.request.headers  # as it was sent


def test_a_get_redirected_to_a_foreign_host_is_not_retried_from_there(
    ed_key: ed25519.Ed25519PrivateKey, foreign_host: str
) -> None:
    failing: Reply = (503, {"Content-Length": "0"}, b"")
    sleeps: list[float] = []
    script: list[Step] = [to_host(302, foreign_host, "/trade-api/v2/x"), failing, failing]
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        s = KalshiSession(server.url, auth=KalshiAuth(KEY_ID, ed_key), sleep=sleeps.append)
        response = s.get("/start")
    assert response.status_code == 503
    assert len(server.received) == 2
    assert not sleeps


def _followed_by_requests(url: str, status: int, location: str) -> tuple[str, str] | None:
    """(method, URL) of the next hop as ``requests`` itself builds it, if it follows one."""
    request = requests.Request("POST", url, data=b"x").prepare()
    response = requests.Response()
    response.status_code = status
    response.url = url
    response.request = request
    response.headers["Location"] = location
    response._content = b""
    response._content_consumed = True  # type: ignore[attr-defined]
    plain = requests.Session()
    plain.trust_env = False
    nxt = next(iter(plain.resolve_redirects(response, request, yield_requests=True)), None)
    if nxt is None:
        return None
    assert isinstance(nxt, requests.PreparedRequest)
    return nxt.method or "", (nxt.url or "").split("#")[0]


@settings(max_examples=300, deadline=None)
@given(
    location=st.lists(
        st.sampled_from([*"/abc.%2f[]?#&= \t:@!$'()*+,;~é", "..", "%zz", "//h"]), max_size=20
    ).map("".join),
    status=st.sampled_from(STATUSES),
)
def test_the_next_hop_is_computed_as_requests_does(location: str, status: int) -> None:
    from requests_kalshi.redirects import redirect_method, redirect_target

    url = "https://external-api.kalshi.com/trade-api/v2/a/b"
    response = requests.Response()
    response.status_code = status
    response.url = url
    response.headers["Location"] = location.encode("utf-8").decode("latin-1")
    try:
        theirs = _followed_by_requests(url, status, response.headers["Location"])
    except ValueError:  # requests cannot follow it: no next hop to sign
        theirs = None
    ours = redirect_target(response)
    if theirs is None:
        assert ours is None
        return
    method, target = theirs
    assert ours is not None
    assert (redirect_method("POST", status), ours.split("#")[0]) == (method, target)
    assert wire_path(ours) == wire_path(target)


def test_signed_headers_pickle_as_plain_headers(ed_key: ed25519.Ed25519PrivateKey) -> None:
    import pickle

    from requests_kalshi.redirects import SignedHeaders

    auth = KalshiAuth(KEY_ID, ed_key)
    headers = SignedHeaders({"KALSHI-ACCESS-KEY": KEY_ID, "Accept": "*/*"})
    headers.follow(auth, "GET", "https://external-api.kalshi.com/trade-api/v2/b")
    restored = pickle.loads(pickle.dumps(headers))
    assert type(restored) is CaseInsensitiveDict
    assert dict(restored) == {"KALSHI-ACCESS-KEY": KEY_ID, "Accept": "*/*"}
