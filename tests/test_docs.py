"""Every Python example in ``docs/*.md`` and ``README.md`` runs here, against a local exchange.

How examples are written:

- Every ```` ```python ```` block runs. The blocks of one page share one namespace and run top
  to bottom, so a later block may use what an earlier one defined.
- They run in a small world where the examples' own words are true: Kalshi's hosts (demo and
  production, REST and WebSocket) are served by a :class:`LocalExchange` and a WebSocket server
  that check every signature (``websockets`` reaches the WebSocket server,
  ``websocket-client`` the exchange's own ``ws_url``); ``HOME`` is a temporary directory
  whose ``~/kalshi/demo-key.txt`` and ``~/kalshi/prod-key.txt`` hold the exchange's key; the
  placeholder key id ``"a952bafb-…"`` is replaced by a key id the exchange knows; ``KALSHI_*``
  variables are unset; the working directory is a temporary directory.
- Functions named ``test_*`` that a block defines are called, with the fixtures
  ``kalshi_exchange``, ``kalshi_mock`` and ``tmp_path``, or names the page defined.
- ``<!-- test-setup`` … ``-->`` right before a block: hidden Python run first (the page's
  readers do not see it), for names an example assumes, such as ``MyBot``.
- ``<!-- not-tested: reason -->`` right before a block would skip it, but no page may use it:
  every example runs (``docs/index.md`` says so).
- Logging levels and handlers an example changes are put back after its page.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import io
import logging
import os
import re
import textwrap
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import requests
import websocket
import websockets
import websockets.asyncio.client
from requests.adapters import HTTPAdapter

from requests_kalshi.environments import KALSHI_HOSTS
from requests_kalshi.testing import KalshiMock, LocalExchange
from tests.wsloopback import KalshiWebSocketServer

ROOT = Path(__file__).resolve().parent.parent
PAGES = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
PLACEHOLDER_KEY_ID = "a952bafb-…"
DOCS_KEY_ID = "a952bafb-0000-4000-8000-000000000001"
KEY_FILES = ("demo-key.txt", "prod-key.txt")
PYTHON = "python"
OTHER_PYTHON_TAGS = {"py", "python3", "pycon", "ipython", "{code-block}", "{code}", "{code-cell}"}

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$")


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page."""

    page: str
    line: int
    language: str
    info: str
    code: str
    skip: str | None  # the reason of a not-tested marker
    setup: str | None  # hidden code of a test-setup marker

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def parse(path: Path, root: Path = ROOT) -> list[Block]:
    """The fenced code blocks of a Markdown page, with the marker comment right before each."""
    lines = path.read_text(encoding="utf-8").splitlines()
    name = path.relative_to(root).as_posix()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, info = match["fence"], match["info"].strip()
        end = i + 1
        while end < len(lines) and not _closes(lines[end], fence):
            end += 1
        code = textwrap.dedent("\n".join(lines[i + 1 : end]))
        skip, setup = _marker(lines, i, name)
        language = info.split()[0] if info else ""
        if language in ("{code-block}", "{code}", "{code-cell}") and len(info.split()) > 1:
            language = info.split()[0] + " " + info.split()[1]
        blocks.append(Block(name, i + 1, language, info, code, skip, setup))
        i = end + 1
    return blocks


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def _marker(lines: list[str], fence_index: int, page: str) -> tuple[str | None, str | None]:
    """The ``not-tested`` reason or ``test-setup`` code in the comment right above a fence."""
    j = fence_index - 1
    while j >= 0 and not lines[j].strip():
        j -= 1
    if j < 0 or not lines[j].rstrip().endswith("-->"):
        return None, None
    start = j
    while start >= 0 and "<!--" not in lines[start]:
        start -= 1
    if start < 0:
        return None, None
    comment = "\n".join(lines[start : j + 1])
    body = comment[comment.index("<!--") + 4 : comment.rindex("-->")]
    head, _, rest = body.strip().partition("\n")
    if head.startswith("not-tested"):
        return head.partition(":")[2].strip() or "", None
    if head.strip() == "test-setup":
        return None, textwrap.dedent(rest)
    return None, None


ALL_BLOCKS = [block for page in PAGES for block in parse(page)]


# -- the world the examples run in ---------------------------------------------------------


@dataclass
class World:
    exchange: LocalExchange
    ws_server: KalshiWebSocketServer
    tmp_path: Path


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    home = tmp_path / "home"
    (home / "kalshi").mkdir(parents=True)
    work = tmp_path / "work"
    work.mkdir()
    saved_environ = dict(os.environ)  # examples' hidden setups may set variables
    for name in [name for name in os.environ if name.startswith("KALSHI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    with LocalExchange() as exchange:
        exchange.register_key(DOCS_KEY_ID, exchange.auth.public_key)
        for name in KEY_FILES:
            key_file = home / "kalshi" / name
            key_file.write_bytes(exchange.private_key_pem())
            key_file.chmod(0o600)
        keys = {DOCS_KEY_ID: exchange.auth.public_key, exchange.key_id: exchange.auth.public_key}
        ws_server = KalshiWebSocketServer(keys=keys)
        with ws_server.running_in_thread() as ws_url:
            _route_kalshi_hosts(monkeypatch, exchange.url, ws_url, exchange.ws_url)
            try:
                yield World(exchange, ws_server, tmp_path)
            finally:
                os.environ.clear()
                os.environ.update(saved_environ)


def _route_kalshi_hosts(
    monkeypatch: pytest.MonkeyPatch, rest_url: str, ws_url: str, exchange_ws_url: str
) -> None:
    """Send what goes to Kalshi's hosts to the local servers instead; the path is unchanged,
    so signatures made for Kalshi's URLs verify there."""
    rest_origin = urlsplit(rest_url).netloc
    ws_origin = urlsplit(ws_url).netloc
    exchange_ws_origin = urlsplit(exchange_ws_url).netloc
    real_send = HTTPAdapter.send
    real_connect = websockets.connect
    real_client_connect: Callable[..., None] = websocket.WebSocket.connect
    real_stream_connect = websockets.asyncio.client.connect

    def send(self: HTTPAdapter, request: requests.PreparedRequest, *args: Any, **kw: Any) -> Any:
        parts = urlsplit(request.url or "")
        if parts.hostname in KALSHI_HOSTS:
            request = request.copy()
            request.url = urlunsplit(("http", rest_origin, *parts[2:]))
        return real_send(self, request, *args, **kw)

    def connect(uri: str, *args: Any, **kwargs: Any) -> Any:
        parts = urlsplit(uri)
        if parts.hostname in KALSHI_HOSTS:
            uri = urlunsplit(("ws", ws_origin, *parts[2:]))
        return real_connect(uri, *args, **kwargs)

    def client_connect(self: websocket.WebSocket, url: str, **options: Any) -> None:
        parts = urlsplit(url)
        if parts.hostname in KALSHI_HOSTS:
            url = urlunsplit(("ws", exchange_ws_origin, *parts[2:]))
        real_client_connect(self, url, **options)

    def stream_connect(uri: str, *args: Any, **kwargs: Any) -> Any:
        # requests_kalshi.stream's connections: to the local exchange's channels.
        parts = urlsplit(uri)
        if parts.hostname in KALSHI_HOSTS:
            uri = urlunsplit(("ws", exchange_ws_origin, *parts[2:]))
        return real_stream_connect(uri, *args, **kwargs)

    monkeypatch.setattr(HTTPAdapter, "send", send)
    monkeypatch.setattr(websockets.asyncio.client, "connect", stream_connect)
    monkeypatch.setattr(websockets, "connect", connect)
    monkeypatch.setattr(websocket.WebSocket, "connect", client_connect)
    _route_httpx(monkeypatch, rest_origin)


def _route_httpx(monkeypatch: pytest.MonkeyPatch, rest_origin: str) -> None:
    """The same for httpx: its transports send Kalshi's URLs to the local exchange, after
    every signature (the auth's and the client's own) was made for Kalshi's URL."""
    host, port = rest_origin.split(":")
    real_sync = httpx.HTTPTransport.handle_request
    real_async = httpx.AsyncHTTPTransport.handle_async_request

    def local(request: httpx.Request) -> httpx.Request:
        if request.url.host in KALSHI_HOSTS:
            request.url = request.url.copy_with(scheme="http", host=host, port=int(port))
        return request

    def handle(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        return real_sync(self, local(request))

    async def handle_async(self: httpx.AsyncHTTPTransport, request: httpx.Request) -> Any:
        return await real_async(self, local(request))

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle)
    monkeypatch.setattr(httpx.AsyncHTTPTransport, "handle_async_request", handle_async)


# -- running a page ------------------------------------------------------------------------


def run_page(blocks: list[Block], world: World) -> None:
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    with warnings.catch_warnings(), _logging_restored():
        # Examples may leave a session open, as short scripts do; that is not what is tested.
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            for block in blocks:
                if block.language != PYTHON or block.skip is not None:
                    continue
                if block.setup:
                    setup = block.setup.replace(PLACEHOLDER_KEY_ID, DOCS_KEY_ID)
                    _run(block, setup, namespace, "its hidden test-setup")
                before = set(namespace)
                _run(block, block.code.replace(PLACEHOLDER_KEY_ID, DOCS_KEY_ID), namespace)
                for name in sorted(set(namespace) - before):
                    if name.startswith("test_") and inspect.isfunction(namespace[name]):
                        _call_test(block, namespace[name], namespace, world)
        finally:
            for value in list(namespace.values()):
                if isinstance(value, (requests.Session, httpx.Client)):
                    value.close()
                elif isinstance(value, (LocalExchange, KalshiMock)):
                    value.stop()
            namespace.clear()
            gc.collect()


@contextlib.contextmanager
def _logging_restored() -> Iterator[None]:
    """Put back the levels and root handlers an example changes (``basicConfig``, DEBUG)."""
    manager = logging.root.manager
    levels = {
        name: logger.level
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    root_level, root_handlers = logging.root.level, logging.root.handlers[:]
    try:
        yield
    finally:
        for name, logger in list(manager.loggerDict.items()):
            if isinstance(logger, logging.Logger):
                logger.setLevel(levels.get(name, logging.NOTSET))
        logging.root.setLevel(root_level)
        logging.root.handlers[:] = root_handlers


def _run(block: Block, code: str, namespace: dict[str, Any], what: str = "") -> None:
    compiled = compile(code, f"<{block.where}>", "exec")
    failure: Exception | None = None
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compiled, namespace)
    except Exception as error:
        failure = error
    if failure is not None:
        where = f"{block.where} ({what})" if what else block.where
        pytest.fail(f"the example at {where} failed: {failure!r}", pytrace=False)


def _call_test(
    block: Block, test: Callable[..., object], namespace: dict[str, Any], world: World
) -> None:
    with contextlib.ExitStack() as stack:
        arguments: dict[str, Any] = {}
        for name in inspect.signature(test).parameters:
            if name == "kalshi_exchange":
                arguments[name] = stack.enter_context(LocalExchange(key_type="ed25519"))
            elif name == "kalshi_mock":
                arguments[name] = stack.enter_context(KalshiMock(key_type="ed25519"))
            elif name == "tmp_path":
                arguments[name] = world.tmp_path / f"{test.__name__}-{uuid.uuid4().hex[:8]}"
                arguments[name].mkdir()
            elif name in namespace:
                arguments[name] = namespace[name]
            else:
                pytest.fail(
                    f"{test.__name__} at {block.where} asks for {name!r}: define it in a "
                    "<!-- test-setup --> comment or use kalshi_exchange, kalshi_mock, tmp_path.",
                    pytrace=False,
                )
        failure: Exception | None = None
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                test(**arguments)
        except Exception as error:
            failure = error
        if failure is not None:
            pytest.fail(f"{test.__name__} at {block.where} failed: {failure!r}", pytrace=False)


PAGES_WITH_PYTHON = sorted(
    {block.page for block in ALL_BLOCKS if block.language == PYTHON and block.skip is None}
)


@pytest.mark.parametrize("page", PAGES_WITH_PYTHON)
def test_examples_run(page: str, world: World) -> None:
    run_page([block for block in ALL_BLOCKS if block.page == page], world)


# -- the conventions themselves ------------------------------------------------------------


def test_no_example_is_skipped() -> None:
    skipped = [f"{b.where} ({b.skip})" for b in ALL_BLOCKS if b.skip is not None]
    assert not skipped, (
        f"docs/index.md says every example runs, but these are marked not-tested: {skipped}; "
        "add what they need to the dev extra, or rewrite them, so that they run"
    )


def test_markers_sit_on_python_blocks() -> None:
    stray = [
        b.where for b in ALL_BLOCKS if (b.skip is not None or b.setup) and b.language != PYTHON
    ]
    assert not stray, f"not-tested/test-setup markers above a block that is not python: {stray}"


def test_python_is_tagged_python() -> None:
    other = [
        f"{b.where} ({b.info})" for b in ALL_BLOCKS if b.language.split()[0] in OTHER_PYTHON_TAGS
    ]
    assert not other, f"tag Python examples ```python so they are tested: {other}"


def test_every_example_at_least_compiles() -> None:
    for block in ALL_BLOCKS:
        if block.language == PYTHON:
            compile(block.code, f"<{block.where}>", "exec")
        if block.setup:
            compile(block.setup, f"<{block.where} test-setup>", "exec")


def test_the_harness_finds_and_skips_what_it_should(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n```python\nx = 1\n```\n\n<!-- not-tested: needs a real account -->\n"
        "```python\nraise SystemExit\n```\n\n<!-- test-setup\ny = 2\n-->\n"
        "````python\nassert y == 2\n````\n\n```bash\necho hi\n```\n",
        encoding="utf-8",
    )
    blocks = parse(page, root=tmp_path)
    assert {b.page for b in blocks} == {"page.md"}
    assert [(b.language, b.skip, b.setup, b.code) for b in blocks] == [
        ("python", None, None, "x = 1"),
        ("python", "needs a real account", None, "raise SystemExit"),
        ("python", None, "y = 2", "assert y == 2"),
        ("bash", None, None, "echo hi"),
    ]


def test_a_failing_example_fails_the_page(world: World) -> None:
    block = Block("page.md", 3, PYTHON, PYTHON, "assert 1 == 2", None, None)
    with pytest.raises(pytest.fail.Exception, match=r"page\.md:3"):
        run_page([block], world)


def test_the_world_routes_kalshi_to_the_local_exchange(world: World) -> None:
    from requests_kalshi import DEMO, PRODUCTION, KalshiAuth

    auth = KalshiAuth(DOCS_KEY_ID, Path.home() / "kalshi" / "demo-key.txt")
    with requests.Session() as s:
        for env in (DEMO, PRODUCTION):
            assert s.get(env.rest_url + "/portfolio/balance", auth=auth).status_code == 200
    assert [r.auth for r in world.exchange.requests] == ["ok", "ok"]


def _page(name: str) -> list[Block]:
    return [block for block in ALL_BLOCKS if block.page == name]


def test_readme_example_really_signs_requests(world: World) -> None:
    run_page(_page("README.md"), world)
    seen = world.exchange.requests
    assert seen, "the README example sent nothing"
    assert {r.auth for r in seen} == {"ok"}
    assert {r.headers["KALSHI-ACCESS-KEY"] for r in seen} == {DOCS_KEY_ID}


def test_websocket_examples_really_connect(world: World) -> None:
    run_page(_page("docs/websockets.md"), world)
    verdicts = [h.verdict for h in world.ws_server.handshakes]
    assert len(verdicts) >= 1, verdicts
    assert set(verdicts) == {"ok"}
    # The stream client's (the recorder, the fill listener) and websocket-client's handshakes
    # went to the local exchange, which checked their signatures.
    handshakes = [r for r in world.exchange.requests if r.path == "/trade-api/ws/v2"]
    assert [(r.status, r.auth) for r in handshakes] == [(101, "ok")] * 3
    assert {r.headers["KALSHI-ACCESS-KEY"] for r in handshakes} == {DOCS_KEY_ID}
    # The fill listener's order filled, and its fill is the one REST reports.
    assert [f.account for f in world.exchange.state.engine.fills].count("user") == 1


def test_the_dotenv_example_signs_with_the_key_from_the_file(world: World) -> None:
    run_page(_page("docs/keys.md"), world)
    balance = [r for r in world.exchange.requests if r.path.endswith("/portfolio/balance")]
    assert balance, "the keys page sent nothing"
    assert {(r.auth, r.headers["KALSHI-ACCESS-KEY"]) for r in balance} == {("ok", DOCS_KEY_ID)}


def test_the_debug_logging_example_logs_the_signed_text(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("requests_kalshi")
    before = logger.level
    run_page(_page("docs/troubleshooting.md"), world)
    signed = [r.getMessage() for r in caplog.records if r.getMessage().startswith("signing ")]
    assert f"GET/trade-api/v2/portfolio/balance' for key {DOCS_KEY_ID}" in "\n".join(signed)
    assert logger.level == before, "the example's DEBUG level was put back"


def test_the_collector_shows_progress(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    run_page(_page("docs/session.md"), world)
    bar = capsys.readouterr().err
    assert "/markets: " in bar
    query: dict[str, str | int] = {"status": "open", "limit": 1000}
    with world.exchange.session() as s:
        open_markets = len(s.get("/markets", params=query).json()["markets"])
    assert open_markets > 0
    assert f"{open_markets} items" in bar
    assert "page=1" in bar


def test_test_functions_in_examples_are_called_with_fixtures(world: World) -> None:
    code = (
        "calls = []\n"
        "def test_uses_fixtures(kalshi_exchange, kalshi_mock, tmp_path, calls):\n"
        "    calls.append((kalshi_exchange.url, kalshi_mock.url, tmp_path.is_dir()))\n"
        "def helper_not_a_test(kalshi_exchange):\n"
        "    raise AssertionError('only test_* functions are called')\n"
    )
    check = "assert len(calls) == 1 and calls[0][2], calls"
    run_page(
        [
            Block("page.md", 1, PYTHON, PYTHON, code, None, None),
            Block("page.md", 9, PYTHON, PYTHON, check, None, None),
        ],
        world,
    )


def test_a_failing_test_function_or_unknown_fixture_fails_the_page(world: World) -> None:
    failing = Block("p.md", 1, PYTHON, PYTHON, "def test_x():\n    assert False", None, None)
    with pytest.raises(pytest.fail.Exception, match=r"test_x at p\.md:1 failed"):
        run_page([failing], world)
    unknown = Block("p.md", 5, PYTHON, PYTHON, "def test_y(nonsense):\n    pass", None, None)
    with pytest.raises(pytest.fail.Exception, match="asks for 'nonsense'"):
        run_page([unknown], world)


def test_httpx_examples_really_sign_requests(world: World) -> None:
    run_page(_page("docs/httpx.md"), world)
    seen = world.exchange.requests
    assert len(seen) >= 4, "the httpx examples sent too little"
    assert {r.auth for r in seen} == {"ok"}
