"""Redirects: a fresh signature for the new method and path, none for foreign hosts."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ed25519
from requests.structures import CaseInsensitiveDict

from requests_kalshi import KalshiAuth, KalshiSession, UntrustedHostError

from .conftest import KEY_ID
from .loopback import LoopbackServer, Received, Reply, json_reply
from .scripted import ScriptedServer, signature_of

FOREIGN = "evil.test"


@pytest.fixture
def foreign_host(monkeypatch: pytest.MonkeyPatch) -> str:
    """A host name that is not loopback to the auth, but resolves to 127.0.0.1 here.

    Every 127/8 address is loopback and so trusted; to prove that signed headers never
    reach a foreign host, the test resolves a foreign name to a loopback server.
    """
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == FOREIGN else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return FOREIGN


def redirect(status: int, location: str) -> Reply:
    return status, {"Location": location, "Content-Length": "0"}, b""


def client(kind: str, base_url: str, auth: KalshiAuth) -> requests.Session:
    """A ``KalshiSession``, or a plain ``requests.Session`` with the auth set on it."""
    if kind == "KalshiSession":
        return KalshiSession(base_url, auth=auth)
    plain = requests.Session()
    plain.auth = auth
    return plain


def no_kalshi_headers(received: Received) -> bool:
    return not any(name.lower().startswith("kalshi-access-") for name in received.headers)


@pytest.mark.parametrize(
    ("status", "method", "new_method"),
    [
        (301, "POST", "GET"),
        (301, "GET", "GET"),
        (301, "DELETE", "DELETE"),
        (302, "POST", "GET"),
        (303, "POST", "GET"),
        (303, "DELETE", "GET"),
        (307, "POST", "POST"),
        (308, "POST", "POST"),
        (308, "PUT", "PUT"),
    ],
)
@pytest.mark.parametrize("kind", ["KalshiSession", "requests.Session"])
def test_same_host_redirect_is_signed_for_the_new_method_and_path(
    ed_key: ed25519.Ed25519PrivateKey, status: int, method: str, new_method: str, kind: str
) -> None:
    script = [redirect(status, "/trade-api/v2/portfolio/orders/moved?x=1")]
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        s = client(kind, server.url, KalshiAuth(KEY_ID, ed_key))
        r = s.request(method, server.url + "/portfolio/orders", json={"a": 1}, timeout=5)
        assert r.status_code == 200
    first, second = server.received
    assert (first.method, first.path) == (method, "/trade-api/v2/portfolio/orders")
    assert (second.method, second.path) == (new_method, "/trade-api/v2/portfolio/orders/moved")
    assert None not in server.timestamps()  # both hops verify for their own method and path


@pytest.mark.parametrize("kind", ["KalshiSession", "requests.Session"])
@pytest.mark.parametrize("status", [302, 307])
def test_redirect_to_a_foreign_host_carries_no_kalshi_headers(
    ed_key: ed25519.Ed25519PrivateKey, foreign_host: str, kind: str, status: int
) -> None:
    other = LoopbackServer(lambda r: json_reply(200, {"stolen": dict(r.headers)}))
    with other.running():
        port = other.url.rsplit(":", 1)[1]
        target = f"http://{foreign_host}:{port}/collect"
        script = [redirect(status, target)]
        with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
            s = client(kind, server.url, KalshiAuth(KEY_ID, ed_key))
            r = s.get(server.url + "/portfolio/balance", timeout=5)
            assert r.status_code == 200
            assert server.timestamps() != [None]  # the first hop was signed
    assert len(other.received) == 1
    assert no_kalshi_headers(other.received[0]), other.received[0].headers


def test_redirect_chain_back_to_kalshi_is_signed_again(
    ed_key: ed25519.Ed25519PrivateKey,
) -> None:
    script = [redirect(302, "/trade-api/v2/b"), redirect(307, "/trade-api/v2/c")]
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        s = KalshiSession(server.url, auth=KalshiAuth(KEY_ID, ed_key))
        assert s.get("/a").ok
    assert [r.path for r in server.received] == ["/trade-api/v2/" + p for p in "abc"]
    assert None not in server.timestamps()


def test_direct_request_to_a_foreign_host_is_refused_before_sending(
    ed_key: ed25519.Ed25519PrivateKey, foreign_host: str
) -> None:
    other = LoopbackServer()
    with other.running():
        port = other.url.rsplit(":", 1)[1]
        s = KalshiSession("demo", auth=KalshiAuth(KEY_ID, ed_key))
        with pytest.raises(UntrustedHostError, match=f"refusing to sign a request to {FOREIGN}"):
            s.get(f"https://{foreign_host}:{port}/trade-api/v2/portfolio/balance")
        plain = requests.Session()
        plain.auth = KalshiAuth(KEY_ID, ed_key)
        with pytest.raises(UntrustedHostError):
            plain.get(f"http://{foreign_host}:{port}/x", timeout=5)
        with pytest.raises(UntrustedHostError):
            s.post(f"http://{foreign_host}:{port}/trade-api/v2/portfolio/orders", json={})
    assert other.connections == 0  # not even a connection was opened
    assert other.received == []


def test_unsigned_redirect_is_left_alone(ed_key: ed25519.Ed25519PrivateKey) -> None:
    with ScriptedServer(
        ed_key.public_key(), KEY_ID, [redirect(302, "/trade-api/v2/b")]
    ).running() as server:
        s = KalshiSession(server.url)
        assert s.get("/a").ok
    assert all(no_kalshi_headers(r) for r in server.received)
    assert signature_of(server.received[1], ed_key.public_key(), KEY_ID) is None


def response_to(url: str, status: int, location: str | None) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r.url = url
    if location is not None:
        r.headers["Location"] = location
    return r


@pytest.mark.parametrize(
    ("status", "location", "target"),
    [
        (302, "/trade-api/v2/b", "https://external-api.kalshi.com/trade-api/v2/b"),
        (301, "//demo-api.kalshi.co/x", "https://demo-api.kalshi.co/x"),
        (307, "https://evil.test/a b", "https://evil.test/a%20b"),
        (200, "/ignored", None),
        (302, None, None),
    ],
)
def test_redirect_target(status: int, location: str | None, target: str | None) -> None:
    from requests_kalshi.redirects import redirect_target

    r = response_to("https://external-api.kalshi.com/trade-api/v2/a", status, location)
    assert redirect_target(r) == target


def test_next_hop_without_a_request_is_left_alone(ed_key: ed25519.Ed25519PrivateKey) -> None:
    from requests_kalshi.redirects import note_redirect

    r = response_to("https://external-api.kalshi.com/trade-api/v2/a", 302, "/trade-api/v2/b")
    note_redirect(KalshiAuth(KEY_ID, ed_key), r)  # no request to follow: nothing happens
    assert r.request is None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_post_whose_redirect_hop_fails_is_not_sent_again(
    ed_key: ed25519.Ed25519PrivateKey,
) -> None:
    """The POST was answered (303), so a failure on the next hop must not repeat the POST.

    The hop itself (a GET) is retried, as a GET may be.
    """
    dead = f"http://127.0.0.1:{free_port()}/trade-api/v2/portfolio/orders/o1"
    sleeps: list[float] = []
    with ScriptedServer(ed_key.public_key(), KEY_ID, [redirect(303, dead)]).running() as server:
        s = KalshiSession(server.url, auth=KalshiAuth(KEY_ID, ed_key), sleep=sleeps.append)
        with pytest.raises(requests.ConnectionError):
            s.post("/portfolio/orders", json={"client_order_id": "c1"})
    assert [r.method for r in server.received] == ["POST"]
    assert len(sleeps) == 3  # the GET hop's own retries


def test_a_redirect_chain_is_not_repeated_from_the_start(
    ed_key: ed25519.Ed25519PrivateKey,
) -> None:
    """The last hop retries itself; the first hop is not asked again on top of that."""
    failing = json_reply(503, {"error": {"code": "unavailable", "message": "down"}})
    script = [redirect(302, "/trade-api/v2/b")] + [failing] * 20
    sleeps: list[float] = []
    with ScriptedServer(ed_key.public_key(), KEY_ID, script).running() as server:
        s = KalshiSession(server.url, auth=KalshiAuth(KEY_ID, ed_key), sleep=sleeps.append)
        r = s.get("/a")
        assert r.status_code == 503
        assert [h.status_code for h in r.history] == [302]
    assert [x.path for x in server.received] == ["/trade-api/v2/a"] + ["/trade-api/v2/b"] * 4
    assert None not in server.timestamps()  # each retry of the hop signed for its own path
    assert len(sleeps) == 3


def test_signing_again_registers_the_redirect_hook_once(
    ed_key: ed25519.Ed25519PrivateKey,
) -> None:
    auth = KalshiAuth(KEY_ID, ed_key)
    prepared = requests.Request("GET", "https://external-api.kalshi.com/trade-api/v2/a").prepare()
    for _ in range(3):
        auth(prepared)
        auth(prepared.copy())  # a retry's copy shares the hooks of the request it copies
    assert prepared.hooks["response"] == [auth._on_response]


@pytest.mark.parametrize(
    ("headers", "location", "refused"),
    [
        ({"KALSHI-ACCESS-KEY": KEY_ID}, "https://evil.test/x", True),
        ({"KALSHI-ACCESS-KEY": KEY_ID}, "/trade-api/v2/b", False),  # same host: kept from none
        ({"Accept": "*/*"}, "https://evil.test/x", False),  # nothing signed to leak
    ],
)
def test_replaced_headers_are_refused_only_when_a_signature_would_leak(
    ed_key: ed25519.Ed25519PrivateKey, headers: dict[str, str], location: str, refused: bool
) -> None:
    from requests_kalshi.redirects import note_redirect

    r = response_to("https://external-api.kalshi.com/trade-api/v2/a", 302, location)
    r.request = requests.Request("GET", r.url).prepare()
    r.request.headers = CaseInsensitiveDict(headers)  # as an adapter that replaced them
    if refused:
        with pytest.raises(UntrustedHostError, match="replaced the signed request's headers"):
            note_redirect(KalshiAuth(KEY_ID, ed_key), r)
    else:
        note_redirect(KalshiAuth(KEY_ID, ed_key), r)
