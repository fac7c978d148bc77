"""requests-kalshi benchmarks: every figure is a ratio of two things measured side by side.

Run from the repository root (about a minute and a half)::

    python benchmarks/run.py            # the full run
    python benchmarks/run.py --quick    # a few seconds, to check the script itself

Each ratio alternates its two sides in rounds (A, B, B, A, …) and divides the medians of the
two sides, so a machine that gets busier or quieter during the run moves both sides alike.
See benchmarks/README.md for what each row means.
"""

from __future__ import annotations

import argparse
import gc
import http.server
import json
import multiprocessing
import os
import platform
import ssl
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure the working tree, not an installed copy

import cryptography  # noqa: E402
import requests  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa  # noqa: E402
from requests.adapters import BaseAdapter  # noqa: E402

from requests_kalshi import DEMO, KalshiAuth, RateLimiter, session  # noqa: E402

KEY_ID = "a952bafb-1234-4d2b-9c3e-5f6a7b8c9d0e"
PATH = "/trade-api/v2/portfolio/orders"
PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
SHA256 = hashes.SHA256()


@dataclass
class Row:
    name: str
    value: float
    target: str
    ok: bool | None
    unit: str = "×"

    def cells(self) -> list[str]:
        value = f"{self.value:.3f}" if self.unit == "×" else f"{self.value:.1f} {self.unit}"
        verdict = "-" if self.ok is None else ("met" if self.ok else "NOT met")
        return [self.name, value, self.target, verdict]


@dataclass
class Scale:
    rounds: int
    sign_batch: int
    stub_batch: int
    scaling_seconds: float
    scaling_rounds: int
    http_requests: int
    http_rounds: int
    import_runs: int


FULL = Scale(40, 20, 3000, 0.5, 5, 40, 30, 21)
QUICK = Scale(6, 5, 300, 0.15, 1, 20, 2, 3)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def paired(
    a: Callable[[], float], b: Callable[[], float], rounds: int
) -> tuple[list[float], list[float]]:
    """Time ``a`` and ``b`` alternately (ABBA order); return the times of each."""
    times_a: list[float] = []
    times_b: list[float] = []
    for i in range(rounds):
        if i % 2:
            times_b.append(b())
            times_a.append(a())
        else:
            times_a.append(a())
            times_b.append(b())
    return times_a, times_b


def timed(fn: Callable[[], object], n: int) -> Callable[[], float]:
    """A function that calls ``fn`` ``n`` times and returns seconds per call."""

    def run() -> float:
        start = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - start) / n

    return run


def median_ratio(top: list[float], bottom: list[float]) -> float:
    """The ratio of the two medians (each side measured in the same interleaved rounds)."""
    return statistics.median(top) / statistics.median(bottom)


def prepared_request(url: str = DEMO.rest_url + "/portfolio/orders") -> requests.PreparedRequest:
    return requests.Request("GET", url, params={"limit": 5}).prepare()


class FreeKey:
    """Stands in for the private key: signing costs nothing, so what is left is our own work."""

    def sign(self, data: bytes, *args: object) -> bytes:
        return bytes(256)


# -- 1. KalshiAuth per request vs the raw sign ---------------------------------------------


def bench_overhead(key: rsa.RSAPrivateKey, scale: Scale) -> list[Row]:
    auth = KalshiAuth(KEY_ID, key)
    request = prepared_request()
    text = f"{auth.timestamp_ms()}GET{PATH}".encode()
    ours, raw = paired(
        timed(lambda: auth(request), scale.sign_batch),
        timed(lambda: key.sign(text, PSS, SHA256), scale.sign_batch),
        scale.rounds,
    )
    free = KalshiAuth(KEY_ID, key)
    free._key = FreeKey()  # type: ignore[assignment]
    stub_times = [timed(lambda: free(request), scale.stub_batch)() for _ in range(7)]
    ratio = median_ratio(ours, raw)
    stub_us = statistics.median(stub_times) * 1e6
    diff_us = (statistics.median(ours) - statistics.median(raw)) * 1e6
    log(
        f"  auth {statistics.median(ours) * 1e6:.0f} µs, raw sign "
        f"{statistics.median(raw) * 1e6:.0f} µs per request; difference {diff_us:.1f} µs; "
        f"with a free key {stub_us:.1f} µs"
    )
    return [
        Row("1. KalshiAuth per request ÷ raw RSA-2048 sign", ratio, "≤ 1.02", ratio <= 1.02),
        Row("1. non-signing work per request (free key)", stub_us, "≤ 10 µs", stub_us <= 10, "µs"),
        Row("1. our time − raw sign (noisy)", diff_us, "info", None, "µs"),
    ]


# -- 2. thread scaling vs process scaling --------------------------------------------------


def _sign_window(auth: KalshiAuth, start_at: float, seconds: float) -> int:
    request = prepared_request()
    while time.monotonic() < start_at:
        time.sleep(0.001)
    end, count = start_at + seconds, 0
    while time.monotonic() < end:
        auth(request)
        count += 1
    return count


def _process_worker(pem: bytes, start_at: float, seconds: float) -> int:
    return _sign_window(KalshiAuth(KEY_ID, pem), start_at, seconds)


def _threads_rate(auth: KalshiAuth, n: int, seconds: float) -> float:
    start_at = time.monotonic() + 0.05
    counts = [0] * n

    def work(i: int) -> None:
        counts[i] = _sign_window(auth, start_at, seconds)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / seconds


def _processes_rate(pool: Any, pem: bytes, n: int, seconds: float) -> float:
    start_at = time.monotonic() + 0.2
    counts = pool.starmap(_process_worker, [(pem, start_at, seconds)] * n)
    return sum(counts) / seconds


def bench_scaling(key: rsa.RSAPrivateKey, scale: Scale) -> list[Row]:
    auth = KalshiAuth(KEY_ID, key)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    seconds = scale.scaling_seconds
    rates: dict[str, list[float]] = {"t1": [], "t2": [], "p1": [], "p2": []}
    with multiprocessing.get_context(method).Pool(2) as pool:
        for i in range(scale.scaling_rounds):
            order = ["t1", "t2", "p1", "p2"] if i % 2 == 0 else ["p2", "p1", "t2", "t1"]
            for name in order:
                n = int(name[1])
                rate = (
                    _threads_rate(auth, n, seconds)
                    if name[0] == "t"
                    else _processes_rate(pool, pem, n, seconds)
                )
                rates[name].append(rate)
    med = {name: statistics.median(values) for name, values in rates.items()}
    threads = med["t2"] / med["t1"]
    processes = med["p2"] / med["p1"]
    efficiency = threads / processes
    log(
        f"  signs/s: 1 thread {med['t1']:.0f}, 2 threads {med['t2']:.0f}; "
        f"1 process {med['p1']:.0f}, 2 processes {med['p2']:.0f} (os.cpu_count()={os.cpu_count()})"
    )
    return [
        Row("2. 2 threads ÷ 1 thread (one KalshiAuth)", threads, "info", None),
        Row("2. 2 processes ÷ 1 process (the ceiling)", processes, "info", None),
        Row("2. thread scaling ÷ process scaling", efficiency, "≥ 0.95", efficiency >= 0.95),
    ]


# -- 3. end to end against a loopback server in another process ----------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes: without TCP_NODELAY, Nagle's algorithm holds the
    # body until the client's delayed ACK, 40 ms later.
    disable_nagle_algorithm = True
    # updated_ts: kalshi-python-async's model (row 6) requires it, and Kalshi sends it.
    body = json.dumps({"balance": 100000, "portfolio_value": 0, "updated_ts": 0}).encode()

    def do_GET(self) -> None:
        self.send_response_only(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(port_queue: Any) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    port_queue.put(server.server_address[1])
    server.serve_forever()


class _CannedAdapter(BaseAdapter):
    """Answers every request at once, without a socket: what is left is the client's own work."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response._content = b"{}"
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def bench_end_to_end(key: rsa.RSAPrivateKey, scale: Scale) -> list[Row]:
    return _with_loopback_server(lambda base: _end_to_end(key, base, scale))


def _with_loopback_server(bench: Callable[[str], list[Row]]) -> list[Row]:
    """Run ``bench(base_url)`` against a loopback server in another process."""
    context = multiprocessing.get_context(
        "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    )
    ports = context.Queue()
    server = context.Process(target=_serve, args=(ports,), daemon=True)
    server.start()
    try:
        return bench(f"http://127.0.0.1:{ports.get(timeout=10)}/trade-api/v2")
    finally:
        server.terminate()
        server.join()


# -- 6. the core and every client adapter (benchmarks/clients.py) --------------------------


def bench_clients(key: rsa.RSAPrivateKey, scale: Scale) -> list[Row]:
    try:
        import clients
    except ImportError as error:  # the httpx extra is missing
        log(f"  skipped: {error}")
        return []
    rows = clients.bench_core(key, scale.rounds, scale.sign_batch, scale.stub_batch, paired, timed)
    rows += _with_loopback_server(
        lambda base: clients.bench_clients(key, base, scale.http_rounds, scale.http_requests)
    )
    return [Row(*row) for row in rows]


def _end_to_end(key: rsa.RSAPrivateKey, base: str, scale: Scale) -> list[Row]:
    auth = KalshiAuth(KEY_ID, key)
    url = base + "/portfolio/balance"
    plain = requests.Session()
    signed = requests.Session()
    signed.auth = auth
    kalshi = session(base, auth=auth)  # retries on, timeout on, no rate limiter
    clients: dict[str, Callable[[], object]] = {
        "unsigned": lambda: plain.get(url).content,
        "signed": lambda: signed.get(url).content,
        "kalshi": lambda: kalshi.get("/portfolio/balance").content,
    }
    for fn in clients.values():  # open the connections, warm the caches
        for _ in range(5):
            fn()
    wall: dict[str, list[float]] = {name: [] for name in clients}
    cpu: dict[str, list[float]] = {name: [] for name in clients}
    names = list(clients)
    for i in range(scale.http_rounds):
        for name in names if i % 2 == 0 else reversed(names):
            c0, t0 = time.process_time(), time.perf_counter()
            for _ in range(scale.http_requests):
                clients[name]()
            wall[name].append((time.perf_counter() - t0) / scale.http_requests)
            cpu[name].append((time.process_time() - c0) / scale.http_requests)
    ratio = median_ratio(wall["signed"], wall["kalshi"])  # throughput ratio: kalshi ÷ signed
    cpu_ratio = median_ratio(cpu["signed"], cpu["kalshi"])
    for name in names:
        log(
            f"  {name:9} {1 / statistics.median(wall[name]):6.0f} requests/s, client CPU "
            f"{statistics.median(cpu[name]) * 1e6:5.0f} µs per request"
        )
    return [
        Row(
            "3. KalshiSession ÷ requests.Session + KalshiAuth (req/s)",
            ratio,
            "≥ 0.98",
            ratio >= 0.98,
        ),
        Row("3. the same, per client CPU second", cpu_ratio, "≥ 0.98", cpu_ratio >= 0.98),
        Row(
            "3. requests.Session + KalshiAuth ÷ unsigned (req/s)",
            median_ratio(wall["unsigned"], wall["signed"]),
            "info",
            None,
        ),
        *_client_pipeline(key, scale),
        *_requests_costs(scale),
    ]


def _client_pipeline(key: rsa.RSAPrivateKey, scale: Scale) -> list[Row]:
    """Per-request client cost without network or signing: what requests and we add."""
    free = KalshiAuth(KEY_ID, key)
    free._key = FreeKey()  # type: ignore[assignment]
    base = "http://127.0.0.1:9/trade-api/v2"
    url = base + "/portfolio/balance"

    def mounted(s: requests.Session) -> requests.Session:
        s.mount("http://", _CannedAdapter())
        return s

    signed = mounted(requests.Session())
    signed.auth = free
    no_env = mounted(requests.Session())
    no_env.auth = free
    no_env.trust_env = False
    kalshi = mounted(session(base, auth=free))
    clients = {
        "requests.Session + KalshiAuth": lambda: signed.get(url),
        "  the same, trust_env=False": lambda: no_env.get(url),
        "KalshiSession": lambda: kalshi.get("/portfolio/balance"),
        "merge_environment_settings alone": lambda: signed.merge_environment_settings(
            url, {}, None, None, None
        ),
    }
    n = max(scale.stub_batch // 30, 10)
    times: dict[str, list[float]] = {name: [] for name in clients}
    for i in range(scale.rounds):
        for name in clients if i % 2 == 0 else reversed(clients):
            times[name].append(timed(clients[name], n)())
    med = {name: statistics.median(values) * 1e6 for name, values in times.items()}
    log(
        "  client-side work per request, no network, free key "
        f"(µs; {len(os.environ)} variables in os.environ):"
    )
    for name, value in med.items():
        log(f"    {name:34} {value:6.1f}")
    signed_times = times["requests.Session + KalshiAuth"]
    return [
        Row(
            "3. KalshiSession ÷ requests.Session, client µs",
            median_ratio(times["KalshiSession"], signed_times),
            "info",
            None,
        ),
    ]


def _requests_costs(scale: Scale) -> list[Row]:
    """What ``requests`` itself spends per request in a session, piece by piece (µs)."""
    import email.message
    from http.cookiejar import CookieJar

    from requests._types import SupportsItems
    from requests.cookies import (
        RequestsCookieJar,
        cookiejar_from_dict,
        extract_cookies_to_jar,
        get_cookie_header,
        merge_cookies,
    )
    from requests.hooks import dispatch_hook
    from requests.sessions import merge_hooks
    from requests.utils import get_environ_proxies, get_netrc_auth

    url = "https://external-api.demo.kalshi.co/trade-api/v2/portfolio/balance"
    s = requests.Session()
    prepared = s.prepare_request(requests.Request("GET", url))
    headers = email.message.Message()  # what http.client hands urllib3: a parsed header block
    for name, value in (("Content-Type", "application/json"), ("Content-Length", "2")):
        headers[name] = value
    raw = type("Raw", (), {"_original_response": type("R", (), {"msg": headers})()})()
    response = requests.Response()

    def cookies() -> None:  # prepare_request, prepare_cookies, and both extractions in send
        jar = merge_cookies(merge_cookies(RequestsCookieJar(), s.cookies), cookiejar_from_dict({}))
        get_cookie_header(jar, prepared)
        extract_cookies_to_jar(CookieJar(), prepared, raw)
        extract_cookies_to_jar(s.cookies, prepared, raw)

    def hooks() -> None:
        dispatch_hook("response", merge_hooks({}, s.hooks), response)

    first, cookie = (
        "merge_environment_settings (trust_env)",
        "cookies (merge, header, 2 extractions)",
    )
    protocol = "isinstance(x, SupportsItems), once"
    pieces: dict[str, Callable[[], object]] = {
        first: lambda: s.merge_environment_settings(url, {}, None, None, None),
        "  of which get_environ_proxies, once": lambda: get_environ_proxies(url),
        "get_netrc_auth (only with no auth)": lambda: get_netrc_auth(url),
        cookie: cookies,
        "hooks (merge, dispatch)": hooks,
        protocol: lambda: isinstance({}, SupportsItems),
        "prepare_request, whole": lambda: s.prepare_request(requests.Request("GET", url)),
    }
    n = max(scale.stub_batch // 10, 20)
    times: dict[str, list[float]] = {name: [] for name in pieces}
    for i in range(max(scale.rounds // 4, 3)):
        for name in pieces if i % 2 == 0 else reversed(pieces):
            times[name].append(timed(pieces[name], n)())
    med = {name: statistics.median(values) * 1e6 for name, values in times.items()}
    log("  what requests spends per request in a session (µs, no network):")
    for name, value in med.items():
        log(f"    {name:40} {value:6.1f}")
    checks = _protocol_checks_per_request(s, url)
    log(f"    runtime Protocol isinstance checks per GET: {checks}")
    return [
        Row("3. requests per request: proxy look-ups (trust_env)", med[first], "info", None, "µs"),
        Row("3. requests per request: cookie handling", med[cookie], "info", None, "µs"),
        Row(
            f"3. requests per request: {checks} Protocol isinstance checks",
            checks * med[protocol],
            "info",
            None,
            "µs",
        ),
    ]


def _protocol_checks_per_request(s: requests.Session, url: str) -> int:
    """How many ``isinstance`` checks against a runtime ``typing.Protocol`` one GET makes
    (requests >= 2.33 checks ``SupportsItems``/``SupportsRead`` while merging settings)."""
    import typing

    meta: Any = type(typing.SupportsInt)
    original = meta.__instancecheck__
    count = 0

    def counting(cls: type, instance: object) -> bool:
        nonlocal count
        count += 1
        return bool(original(cls, instance))

    s.mount("https://", _CannedAdapter())
    meta.__instancecheck__ = counting
    try:
        s.get(url)
    finally:
        meta.__instancecheck__ = original
    return count


# -- 4. Ed25519 vs RSA-2048 ----------------------------------------------------------------


def bench_key_types(key: rsa.RSAPrivateKey, scale: Scale) -> list[Row]:
    rsa_auth = KalshiAuth(KEY_ID, key)
    ed_auth = KalshiAuth(KEY_ID, ed25519.Ed25519PrivateKey.generate())
    request = prepared_request()
    rsa_times, ed_times = paired(
        timed(lambda: rsa_auth(request), scale.sign_batch),
        timed(lambda: ed_auth(request), scale.sign_batch * 20),
        scale.rounds // 2,
    )
    ratio = median_ratio(rsa_times, ed_times)
    log(
        f"  signed requests/s on one core: RSA-2048 {1 / statistics.median(rsa_times):.0f}, "
        f"Ed25519 {1 / statistics.median(ed_times):.0f}"
    )
    return [Row("4. Ed25519 ÷ RSA-2048 (signed requests/s)", ratio, "info", None)]


# -- 7. the shared rate limiter -----------------------------------------------------------


def bench_limiter(key: rsa.RSAPrivateKey, scale: Scale) -> list[Row]:
    """What pacing adds per request (a budget that never makes anyone wait), next to a sign."""
    limiter = RateLimiter(read_per_second=1e12, write_per_second=1e12)
    text = f"{int(time.time() * 1000)}GET{PATH}".encode()
    acquire, raw = paired(
        timed(lambda: limiter.acquire("GET", PATH), scale.stub_batch),
        timed(lambda: key.sign(text, PSS, SHA256), scale.sign_batch),
        scale.rounds,
    )
    reserve, acquire_again = paired(
        timed(lambda: limiter.reserve("GET", PATH), scale.stub_batch),
        timed(lambda: limiter.acquire("GET", PATH), scale.stub_batch),
        scale.rounds,
    )
    log(
        f"  acquire {statistics.median(acquire) * 1e6:.1f} µs, reserve "
        f"{statistics.median(reserve) * 1e6:.1f} µs, raw sign {statistics.median(raw) * 1e6:.0f} µs"
    )
    return [
        Row("7. RateLimiter.acquire ÷ raw RSA-2048 sign", median_ratio(acquire, raw), "info", None),
        Row(
            "7. RateLimiter.reserve (async path) ÷ acquire (threads)",
            median_ratio(reserve, acquire_again),
            "info",
            None,
        ),
    ]


# -- 5. import time ------------------------------------------------------------------------

SIGNING = (
    "import requests, cryptography.hazmat.primitives.asymmetric.rsa, "
    "cryptography.hazmat.primitives.asymmetric.ed25519, "
    "cryptography.hazmat.primitives.asymmetric.padding, "
    "cryptography.hazmat.primitives.hashes"
)
FLOOR = SIGNING + ", cryptography.hazmat.primitives.serialization"


def _import_us(statement: str) -> float:
    """Microseconds the top-level imports of ``statement`` take in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    total, seen_site = 0, False
    for line in result.stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        _, cumulative, name = line.split(":", 1)[1].split("|")
        if name.strip() == "site" and not name.startswith("  "):
            seen_site = True
            continue
        if seen_site and not name.startswith("  "):  # a top-level import of the statement
            total += int(cumulative)
    return float(total)


def bench_import(scale: Scale) -> list[Row]:
    statements = {
        "requests": "import requests",
        "floor": FLOOR,
        "signing": SIGNING,
        "ours": "import requests_kalshi",
    }
    times: dict[str, list[float]] = {name: [] for name in statements}
    for i in range(scale.import_runs):
        for name in statements if i % 2 == 0 else reversed(statements):
            times[name].append(_import_us(statements[name]))
    med = {name: statistics.median(values) / 1000 for name, values in times.items()}
    log(
        f"  import time (ms): requests {med['requests']:.1f}; with cryptography's signing "
        f"modules {med['signing']:.1f}, and its key loading (serialization) {med['floor']:.1f}; "
        f"requests_kalshi {med['ours']:.1f}"
    )
    ratio = median_ratio(times["ours"], times["requests"])
    return [
        Row("5. import requests_kalshi ÷ import requests", ratio, "≤ 1.25", ratio <= 1.25),
        Row(
            "5. floor: requests + cryptography sign & load ÷ requests",
            median_ratio(times["floor"], times["requests"]),
            "info",
            None,
        ),
        Row(
            "5. floor if key loading were lazy (sign only)",
            median_ratio(times["signing"], times["requests"]),
            "info",
            None,
        ),
    ]


# -- the report ----------------------------------------------------------------------------


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    from cryptography.hazmat.backends.openssl import backend

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return [
        f"machine: {os.cpu_count()} CPUs, {cpu}, load average {load:.2f} at the start",
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"requests {requests.__version__}, cryptography {cryptography.__version__} "
        f"({backend.openssl_version_text()}; Python's ssl: {ssl.OPENSSL_VERSION})",
    ]


def table(rows: list[Row]) -> str:
    cells = [["measure", "value", "target", "verdict"], *(row.cells() for row in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(4)]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |"
        for line in cells
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds; numbers are rough")
    parser.add_argument(
        "--only",
        choices=["overhead", "scaling", "http", "keys", "import", "clients", "limiter"],
        action="append",
        help="run only these benchmarks (repeatable)",
    )
    args = parser.parse_args(argv)
    scale = QUICK if args.quick else FULL
    header = machine()
    for line in header:
        log(line)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    benches: dict[str, Callable[[], list[Row]]] = {
        "overhead": lambda: bench_overhead(key, scale),
        "scaling": lambda: bench_scaling(key, scale),
        "http": lambda: bench_end_to_end(key, scale),
        "keys": lambda: bench_key_types(key, scale),
        "import": lambda: bench_import(scale),
        "clients": lambda: bench_clients(key, scale),
        "limiter": lambda: bench_limiter(key, scale),
    }
    rows: list[Row] = []
    started = time.monotonic()
    gc.disable()  # a collection landing in one side of a pair would skew that pair
    try:
        for name, bench in benches.items():
            if args.only and name not in args.only:
                continue
            log(f"{name}…")
            rows.extend(bench())
    finally:
        gc.enable()
    print("\n".join(header))
    print(table(rows))
    print(f"({time.monotonic() - started:.0f} s{', --quick: rough numbers' if args.quick else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
