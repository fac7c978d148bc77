"""Row 6: the core and every client adapter, side by side in one run (see README.md).

- the core's ``Signer.headers`` against a raw RSA-2048 sign of the same text;
- client CPU per request and requests per second on a loopback server in another process:
  ``requests`` with ``session()``; httpx sync with a minimal hand-written signing auth, with
  this library's ``KalshiAuth``, and with ``client()``; httpx async with the minimal auth,
  ``async_client()`` (with and without ``sign_in_thread``) and Kalshi's own
  ``kalshi-python-async`` when it is installed, at 1, 8 and 64 requests in flight;
- what signing adds to the event loop per request (RSA-2048, Ed25519) next to httpx's own
  per-request loop time.
"""

from __future__ import annotations

import asyncio
import base64
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Generator
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from requests_kalshi import KalshiAuth as RequestsKalshiAuth
from requests_kalshi import session
from requests_kalshi.core import Signer
from requests_kalshi.httpx import KalshiAuth, async_client, client

KEY_ID = "a952bafb-1234-4d2b-9c3e-5f6a7b8c9d0e"
PATH = "/trade-api/v2/portfolio/orders"
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
SHA256 = hashes.SHA256()
IN_FLIGHT = (1, 8, 64)


Result = tuple[str, float, str, "bool | None", str]
"""A row of the table: measure, value, target, met (None: info), unit."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def Row(name: str, value: float, target: str, ok: bool | None, unit: str = "×") -> Result:
    return (name, value, target, ok, unit)


class MinimalAuth(httpx.Auth):
    """The least a hand-written httpx auth for Kalshi does: sign and set three headers."""

    def __init__(self, key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey) -> None:
        self.key = key

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        stamp = str(int(time.time() * 1000))
        path = request.url.raw_path.split(b"?", 1)[0].decode()
        text = (stamp + request.method + path).encode()
        if isinstance(self.key, rsa.RSAPrivateKey):
            signature = self.key.sign(text, PSS, SHA256)
        else:
            signature = self.key.sign(text)
        request.headers["KALSHI-ACCESS-KEY"] = KEY_ID
        request.headers["KALSHI-ACCESS-TIMESTAMP"] = stamp
        request.headers["KALSHI-ACCESS-SIGNATURE"] = base64.b64encode(signature).decode()
        yield request


class _FreeKey:
    def sign(self, data: bytes, *args: object) -> bytes:
        return bytes(256)


def _median_ratio(top: list[float], bottom: list[float]) -> float:
    return statistics.median(top) / statistics.median(bottom)


def bench_core(
    key: rsa.RSAPrivateKey, rounds: int, batch: int, stub_batch: int, paired: Any, timed: Any
) -> list[Result]:
    """The core signer per request ÷ the raw sign; the core's own work with a free key."""
    signer = Signer(KEY_ID, key)
    text = f"{signer.timestamp_ms()}GET{PATH}".encode()
    ours, raw = paired(
        timed(lambda: signer.headers("GET", PATH), batch),
        timed(lambda: key.sign(text, PSS, SHA256), batch),
        rounds,
    )
    free = Signer(KEY_ID, _FreeKey())  # type: ignore[arg-type]
    stub_us = (
        statistics.median(
            [timed(lambda: free.headers("GET", PATH), stub_batch)() for _ in range(7)]
        )
        * 1e6
    )
    ratio = _median_ratio(ours, raw)
    log(
        f"  core Signer {statistics.median(ours) * 1e6:.0f} µs, raw sign "
        f"{statistics.median(raw) * 1e6:.0f} µs; with a free key {stub_us:.1f} µs"
    )
    return [
        Row("6. core Signer.headers ÷ raw RSA-2048 sign", ratio, "≤ 1.02", ratio <= 1.02),
        Row("6. core's own work per request (free key)", stub_us, "info", None, "µs"),
    ]


def _measure_sync(
    clients: dict[str, Callable[[], object]], per_round: int, rounds: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    for fn in clients.values():
        for _ in range(5):
            fn()
    wall: dict[str, list[float]] = {name: [] for name in clients}
    cpu: dict[str, list[float]] = {name: [] for name in clients}
    names = list(clients)
    for i in range(rounds):
        for name in names if i % 2 == 0 else reversed(names):
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(per_round):
                clients[name]()
            wall[name].append((time.perf_counter() - t0) / per_round)
            cpu[name].append((time.process_time() - c0) / per_round)
    return wall, cpu


def bench_sync(key: rsa.RSAPrivateKey, base: str, per_round: int, rounds: int) -> list[Result]:
    auth = KalshiAuth(KEY_ID, key)
    minimal = httpx.Client(auth=MinimalAuth(key), base_url=base + "/")
    bare = httpx.Client(auth=auth, base_url=base + "/")
    ours = client(base, auth=auth)
    req = session(base, auth=RequestsKalshiAuth(KEY_ID, key))
    clients: dict[str, Callable[[], object]] = {
        "httpx + minimal auth": lambda: minimal.get("portfolio/balance").content,
        "httpx + KalshiAuth": lambda: bare.get("portfolio/balance").content,
        "httpx client()": lambda: ours.get("/portfolio/balance").content,
        "requests session()": lambda: req.get("/portfolio/balance").content,
    }
    try:
        wall, cpu = _measure_sync(clients, per_round, rounds)
    finally:
        for closing in (minimal, bare, ours, req):
            closing.close()
    for name in clients:
        log(
            f"  {name:22} {1 / statistics.median(wall[name]):6.0f} requests/s, client CPU "
            f"{statistics.median(cpu[name]) * 1e6:5.0f} µs per request"
        )
    base_cpu = cpu["httpx + minimal auth"]
    auth_ratio = _median_ratio(cpu["httpx + KalshiAuth"], base_cpu)
    client_ratio = _median_ratio(cpu["httpx client()"], base_cpu)
    return [
        Row("6. httpx + KalshiAuth ÷ httpx + minimal auth, CPU", auth_ratio, "≤ 1.05",
            auth_ratio <= 1.05),
        Row("6. httpx client() ÷ httpx + minimal auth, CPU", client_ratio, "≤ 1.05",
            client_ratio <= 1.05),
        Row("6. requests session() ÷ httpx + minimal auth, CPU",
            _median_ratio(cpu["requests session()"], base_cpu), "info", None),
        Row("6. httpx client() ÷ requests session(), req/s",
            _median_ratio(wall["requests session()"], wall["httpx client()"]), "info", None),
    ]  # fmt: skip


Runner = Callable[[], Awaitable[object]]


async def _drive(call: Runner, total: int, in_flight: int) -> tuple[float, float, float]:
    """Send ``total`` requests with ``in_flight`` at a time: (wall, process CPU, loop CPU)."""
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    c0, l0, t0 = time.process_time(), time.thread_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(in_flight)))
    wall, cpu, loop = time.perf_counter() - t0, time.process_time() - c0, time.thread_time() - l0
    return wall / total, cpu / total, loop / total


def _kalshi_python_async(base: str, key: rsa.RSAPrivateKey) -> tuple[Runner, Any] | None:
    try:
        import kalshi_python_async as sdk  # type: ignore[import-not-found]
    except ImportError:
        return None
    config = sdk.Configuration(host=base)
    config.api_key_id = KEY_ID
    config.private_key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    api_client = sdk.KalshiClient(config)
    portfolio = sdk.PortfolioApi(api_client)
    return portfolio.get_balance, api_client


async def _async_rows(
    key: rsa.RSAPrivateKey, ed_key: ed25519.Ed25519PrivateKey, base: str, per_round: int,
    rounds: int,
) -> list[Result]:  # fmt: skip
    rsa_auth, ed_auth = KalshiAuth(KEY_ID, key), KalshiAuth(KEY_ID, ed_key)
    unsigned = httpx.AsyncClient(base_url=base + "/")
    minimal = httpx.AsyncClient(auth=MinimalAuth(key), base_url=base + "/")
    ours = async_client(base, auth=rsa_auth)
    threaded = async_client(base, auth=rsa_auth, sign_in_thread=True)
    ours_ed = async_client(base, auth=ed_auth)
    calls: dict[str, Runner] = {
        "httpx async, unsigned": lambda: unsigned.get("portfolio/balance"),
        "httpx async + minimal auth": lambda: minimal.get("portfolio/balance"),
        "async_client()": lambda: ours.get("/portfolio/balance"),
        "async_client(sign_in_thread)": lambda: threaded.get("/portfolio/balance"),
        "async_client(), Ed25519": lambda: ours_ed.get("/portfolio/balance"),
    }
    sdk = _kalshi_python_async(base, key)
    if sdk is not None:
        calls["kalshi-python-async"] = sdk[0]
    else:
        log("  kalshi-python-async is not installed: its rows are skipped")
    rows: list[Result] = []
    try:
        for call in calls.values():  # open connections, warm caches
            await _drive(call, 8, 8)
        for in_flight in IN_FLIGHT:
            total = max(per_round, 2 * in_flight)
            wall: dict[str, list[float]] = {name: [] for name in calls}
            cpu: dict[str, list[float]] = {name: [] for name in calls}
            loop: dict[str, list[float]] = {name: [] for name in calls}
            names = list(calls)
            for i in range(rounds):
                for name in names if i % 2 == 0 else reversed(names):
                    w, c, lp = await _drive(calls[name], total, in_flight)
                    wall[name].append(w)
                    cpu[name].append(c)
                    loop[name].append(lp)
            log(f"  {in_flight} in flight:")
            for name in names:
                log(
                    f"    {name:30} {1 / statistics.median(wall[name]):6.0f} requests/s, "
                    f"client CPU {statistics.median(cpu[name]) * 1e6:5.0f} µs, "
                    f"loop CPU {statistics.median(loop[name]) * 1e6:5.0f} µs per request"
                )
            minimal_cpu = cpu["httpx async + minimal auth"]
            ratio = _median_ratio(cpu["async_client()"], minimal_cpu)
            rows.append(
                Row(f"6. async_client() ÷ httpx async + minimal auth, CPU, {in_flight} in flight",
                    ratio, "≤ 1.05", ratio <= 1.05)
            )  # fmt: skip
            rows.append(
                Row(f"6. async_client() requests/s, {in_flight} in flight, ÷ minimal auth",
                    _median_ratio(wall["httpx async + minimal auth"], wall["async_client()"]),
                    "info", None)
            )  # fmt: skip
            if sdk is not None:
                rows.append(
                    Row(f"6. async_client() ÷ kalshi-python-async, req/s, {in_flight} in flight",
                        _median_ratio(wall["kalshi-python-async"], wall["async_client()"]),
                        "info", None)
                )  # fmt: skip
            if in_flight == 1:
                # One request at a time: the loop's time per request is httpx's own work plus
                # the signature, with no pool of many connections to walk as at 64.
                httpx_loop = statistics.median(loop["httpx async, unsigned"])
                for label, name in (
                    ("RSA-2048", "async_client()"),
                    ("Ed25519", "async_client(), Ed25519"),
                    ("RSA-2048, sign_in_thread", "async_client(sign_in_thread)"),
                ):
                    added = statistics.median(loop[name]) - httpx_loop
                    rows.append(Row(f"6. loop time signing adds ÷ httpx's own, {label}",
                                    added / httpx_loop, "info", None))  # fmt: skip
            if in_flight == IN_FLIGHT[-1]:
                thread_ratio = _median_ratio(
                    wall["async_client()"], wall["async_client(sign_in_thread)"]
                )
                rows.append(Row("6. sign_in_thread ÷ on the loop, RSA, req/s, 64 in flight",
                                thread_ratio, "info", None))  # fmt: skip
    finally:
        for closing in (unsigned, minimal, ours, threaded, ours_ed):
            await closing.aclose()
        if sdk is not None:
            await sdk[1].close()
    return rows


def bench_clients(key: rsa.RSAPrivateKey, base: str, rounds: int, per_round: int) -> list[Result]:
    """Every adapter against the loopback server at ``base`` (a ``/trade-api/v2`` URL)."""
    ed_key = ed25519.Ed25519PrivateKey.generate()
    rows = bench_sync(key, base, per_round, rounds)
    rows += asyncio.run(_async_rows(key, ed_key, base, per_round, max(2, rounds // 3)))
    return rows
