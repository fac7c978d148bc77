"""The command line loads the testing kit (and ``serve``'s module) only for what needs them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from requests_kalshi.testing import LocalExchange

from .test_cli import cli_env

# Runs the command in a fresh interpreter, then reports which of our modules it loaded.
PROBE = """
import json, sys
from requests_kalshi.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as exit:  # --help
    status = exit.code
loaded = sorted(name for name in sys.modules if name.startswith("requests_kalshi"))
print(json.dumps({"status": status, "loaded": loaded}), file=sys.stderr)
"""


def loaded_by(*argv: str, key: Path | None = None, key_id: str = "") -> tuple[int, list[str]]:
    env = cli_env()
    if key is not None:
        env.update({"KALSHI_API_KEY_ID": key_id, "KALSHI_PRIVATE_KEY_PATH": str(key)})
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["status"], report["loaded"]


@pytest.fixture(scope="module")
def exchange() -> Iterator[LocalExchange]:
    with LocalExchange(key_type="ed25519") as running:
        yield running


@pytest.fixture(scope="module")
def key_file(exchange: LocalExchange, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "key.pem"
    path.write_bytes(exchange.private_key_pem())
    path.chmod(0o600)
    return path


def is_test_kit(name: str) -> bool:
    return name == "requests_kalshi.testing" or name.startswith("requests_kalshi.testing.")


def test_sign_for_demo_loads_no_test_kit(exchange: LocalExchange, key_file: Path) -> None:
    status, loaded = loaded_by(
        "sign", "GET", "/markets", "--env", "demo", key=key_file, key_id=exchange.key_id
    )
    assert status == 0
    assert "requests_kalshi.cli" in loaded
    assert not [name for name in loaded if is_test_kit(name)]
    assert "requests_kalshi.cli_serve" not in loaded


def test_a_request_to_a_server_loads_no_test_kit(exchange: LocalExchange, key_file: Path) -> None:
    status, loaded = loaded_by(
        "request", "GET", "/portfolio/balance", "--env", exchange.url,
        key=key_file, key_id=exchange.key_id,
    )  # fmt: skip
    assert status == 0
    assert exchange.requests[-1].auth == "ok"
    assert not [name for name in loaded if is_test_kit(name)]
    assert "requests_kalshi.cli_serve" not in loaded


def test_the_local_environment_and_serve_load_what_they_need() -> None:
    status, loaded = loaded_by("sign", "GET", "/markets", "--env", "local")
    assert status == 0
    assert "requests_kalshi.testing" in loaded
    status, loaded = loaded_by("serve", "--help")
    assert status == 0
    assert "requests_kalshi.cli_serve" in loaded
