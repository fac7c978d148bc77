"""Instruction counts (valgrind callgrind): KalshiAuth per request vs the raw RSA-2048 sign.

Timed ratios on a shared virtual machine move by several percent from run to run; instruction
counts do not. This runs the same script three times under callgrind (setup only, N raw
signs, N signed requests) and reports the per-call instructions of each and their ratio.

    python benchmarks/instructions.py          # needs valgrind (apt-get install valgrind)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CALLS = 100

WORKLOAD = """
import sys
sys.path.insert(0, {root!r})
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from requests_kalshi import KalshiAuth

key = serialization.load_pem_private_key(open({pem!r}, "rb").read(), None)
auth = KalshiAuth("a952bafb-1234-4d2b-9c3e-5f6a7b8c9d0e", key)
url = "https://external-api.demo.kalshi.co/trade-api/v2/portfolio/orders"
request = requests.Request("GET", url, params={{"limit": 5}}).prepare()
pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH)
sha256 = hashes.SHA256()
text = b"1703123456789GET/trade-api/v2/portfolio/orders"
mode, n = sys.argv[1], int(sys.argv[2])
if mode == "auth":
    for _ in range(n):
        auth(request)
elif mode == "raw":
    for _ in range(n):
        key.sign(text, pss, sha256)
"""


def instructions(script: Path, mode: str, out: Path) -> int:
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
         str(script), mode, str(CALLS)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"Collected : (\d+)", result.stderr)
    if match is None:
        raise SystemExit(f"callgrind printed no total:\n{result.stderr}")
    return int(match.group(1))


def main() -> int:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    with tempfile.TemporaryDirectory() as tmp:
        pem = Path(tmp) / "key.pem"
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        script = Path(tmp) / "workload.py"
        script.write_text(WORKLOAD.format(root=str(ROOT), pem=str(pem)))
        base, raw, ours = (
            instructions(script, mode, Path(tmp) / f"cg.{mode}") for mode in ("none", "raw", "auth")
        )
    raw_per_call = (raw - base) / CALLS
    ours_per_call = (ours - base) / CALLS
    print(f"raw RSA-2048 sign:           {raw_per_call:12,.0f} instructions per call")
    print(f"KalshiAuth per request:      {ours_per_call:12,.0f} instructions per call")
    print(
        f"difference (non-signing):    {ours_per_call - raw_per_call:12,.0f} instructions per call"
    )
    print(f"ratio (target ≤ 1.02):       {ours_per_call / raw_per_call:12.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
