"""Row 6 in instructions (valgrind callgrind): the core and each httpx adapter, free of noise.

Timed ratios on a shared machine move by several percent; instruction counts do not. Each
client sends requests to a loopback server in another process (not under valgrind), so the
counts are the client's own work per request: the signature, httpx, and what this library
adds. Every mode runs twice, with ``FEW`` and ``MANY`` requests after the same set-up and
warm-up, and the difference divided by ``MANY - FEW`` is its cost per request.

    python benchmarks/instructions_clients.py      # needs valgrind and the httpx extra
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402

FEW, MANY = 10, 60

WORKLOAD = """
import asyncio, sys
sys.path[:0] = [{root!r}, {here!r}]
import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from clients import KEY_ID, PATH, MinimalAuth
from requests_kalshi.core import Signer
from requests_kalshi.httpx import KalshiAuth, async_client, client

key = serialization.load_pem_private_key(open({pem!r}, "rb").read(), None)
mode, n, base = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
text = b"1703123456789GET/trade-api/v2/portfolio/orders"
signer = Signer(KEY_ID, key)
auth = KalshiAuth(KEY_ID, key)
sync = {{
    "raw sign": lambda: lambda: key.sign(text, pss, hashes.SHA256()),
    "core Signer.headers": lambda: lambda: signer.headers("GET", PATH),
    "httpx + minimal auth": lambda: (lambda c: lambda: c.get("portfolio/balance").content)(
        httpx.Client(auth=MinimalAuth(key), base_url=base + "/")),
    "httpx + KalshiAuth": lambda: (lambda c: lambda: c.get("portfolio/balance").content)(
        httpx.Client(auth=auth, base_url=base + "/")),
    "httpx client()": lambda: (lambda c: lambda: c.get("/portfolio/balance").content)(
        client(base, auth=auth)),
}}
if mode in sync:
    call = sync[mode]()
    for _ in range(5 + n):
        call()
else:
    async def main():
        if mode == "httpx async + minimal auth":
            c = httpx.AsyncClient(auth=MinimalAuth(key), base_url=base + "/")
            path = "portfolio/balance"
        else:
            c = async_client(base, auth=auth)
            path = "/portfolio/balance"
        async with c:
            for _ in range(5 + n):
                (await c.get(path)).content
    asyncio.run(main())
"""

MODES = [
    "raw sign",
    "core Signer.headers",
    "httpx + minimal auth",
    "httpx + KalshiAuth",
    "httpx client()",
    "httpx async + minimal auth",
    "async_client()",
]


def instructions(script: Path, mode: str, n: int, base: str, out: Path) -> int:
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
         str(script), mode, str(n), base],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"Collected : (\d+)", result.stderr)
    if match is None:
        raise SystemExit(f"callgrind printed no total:\n{result.stderr}")
    return int(match.group(1))


def measure(base: str) -> list[run.Row]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    per_call: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        pem = Path(tmp) / "key.pem"
        pem.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        script = Path(tmp) / "workload.py"
        script.write_text(
            WORKLOAD.format(root=str(HERE.parent), here=str(HERE), pem=str(pem)), "utf-8"
        )
        for mode in MODES:
            few = instructions(script, mode, FEW, base, Path(tmp) / "few.out")
            many = instructions(script, mode, MANY, base, Path(tmp) / "many.out")
            per_call[mode] = (many - few) / (MANY - FEW)
            print(f"{mode:28} {per_call[mode]:12,.0f} instructions per call", file=sys.stderr)
    pairs = [
        ("core Signer.headers", "raw sign", "≤ 1.02", 1.02),
        ("httpx + KalshiAuth", "httpx + minimal auth", "≤ 1.05", 1.05),
        ("httpx client()", "httpx + minimal auth", "≤ 1.05", 1.05),
        ("async_client()", "httpx async + minimal auth", "≤ 1.05", 1.05),
    ]
    rows = []
    for ours, theirs, target, limit in pairs:
        ratio = per_call[ours] / per_call[theirs]
        rows.append(run.Row(f"6. {ours} ÷ {theirs}, instructions", ratio, target, ratio <= limit))
    return rows


def main() -> int:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 1
    rows = run._with_loopback_server(measure)
    print(run.table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
