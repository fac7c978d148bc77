"""docs/api.md documents every public name, with its docstring.

What counts as public is discovered, not listed: every module of the package whose dotted name
has no part starting with ``_`` and that defines ``__all__`` (so a module added later is checked
as soon as it exists). For each:

- every name in its ``__all__`` is in the reference (under that module or another public one
  that exports the same object);
- every public member a class defines itself (methods, properties, class attributes) is
  documented on that class or on the class of ours it inherits it from;
- every class of ours that a documented name's type hints mention (an attribute such as
  ``LocalExchange.state``, what a method takes or returns) is in the reference too.

The reference is what Sphinx builds from docs/api.md: its inventory (``objects.inv``) is the
list of documented names, so a name counts only if autodoc really rendered it.

What is left out, on purpose: what :data:`INTERNAL` names (whole modules of the local
exchange's plumbing, or single names, each with its reason); the keys of a TypedDict (wire
fields named by Kalshi's specification, see :func:`own_members`). A dataclass field or an
attribute may be documented by a ``:ivar name:`` line of its class's docstring.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import importlib.util
import inspect
import os
import pkgutil
import re
import shutil
import subprocess
import sys
import types
import typing
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sphinx.pycode import ModuleAnalyzer

import requests_kalshi

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PACKAGE = "requests_kalshi"

# What a public module's ``__all__`` holds that is not for users, each with the reason. A
# whole module is exempted by its dotted name (its ``__all__`` is then for the package's own
# imports), a single name by ``module.name``. A class of an exempted module that a public
# class's type hints reach must still be documented (see the checks below).
_ENDPOINTS = "the local exchange's endpoint handlers ({}); users call the endpoints over HTTP"
INTERNAL: dict[str, str] = {
    # Modules.
    "requests_kalshi.testing.wsframes": "the local exchange's WebSocket frame codec, used only "
    "by its own server",
    "requests_kalshi.testing.routes": _ENDPOINTS.format("the route table"),
    "requests_kalshi.testing.handling": _ENDPOINTS.format("what they share"),
    "requests_kalshi.testing.market_routes": _ENDPOINTS.format("market data"),
    "requests_kalshi.testing.portfolio_routes": _ENDPOINTS.format("portfolio and orders"),
    "requests_kalshi.testing.wschannels": "the channel protocol behind LocalExchange.streams; "
    "users subscribe with a WebSocket client and shape it through StreamHub",
    "requests_kalshi.testing.wsfeed": "what the event-contract channels say, behind "
    "LocalExchange.streams; users read the messages with a WebSocket client",
    "requests_kalshi.testing.margin_feed": "what the margin channels say, behind "
    "LocalExchange.streams; users read the messages, typed by requests_kalshi.margin_shapes",
    "requests_kalshi.testing.margin_views": "builds the margin answers of the local exchange; "
    "users read them as JSON, typed by requests_kalshi.margin_shapes",
    # Single names.
    "requests_kalshi.testing.faults.Fault": "one entry of the simulator's fault queue; users "
    "plan faults with fail_next(), delay_next() and drop_next()",
    "requests_kalshi.testing.faults.FaultPlan": "the simulator's fault queue (as above)",
}


# -- what the reference documents ----------------------------------------------------------


@pytest.fixture(scope="module")
def documented(tmp_path_factory: pytest.TempPathFactory) -> frozenset[str]:
    """The Python names in the inventory Sphinx builds from docs/api.md alone."""
    source = tmp_path_factory.mktemp("api-source")
    shutil.copy(DOCS / "conf.py", source / "conf.py")
    shutil.copy(DOCS / "api.md", source / "index.md")
    out = tmp_path_factory.mktemp("api-html")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-q",
            "-b",
            "html",
            "-D",
            "extensions=sphinx.ext.autodoc,myst_parser",  # viewcode only slows this down
            "-D",
            "html_theme=basic",
            str(source),
            str(out),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return frozenset(name for name, _ in read_inventory(out / "objects.inv"))


def read_inventory(path: Path) -> Iterator[tuple[str, str]]:
    """``(name, domain:role)`` of every Python object in a Sphinx ``objects.inv`` (v2)."""
    header, _, compressed = path.read_bytes().partition(b"zlib.\n")
    assert header.startswith(b"# Sphinx inventory version 2"), header[:40]
    for line in zlib.decompress(compressed).decode("utf-8").splitlines():
        match = re.match(r"(?P<name>.+?)\s+(?P<role>py:\S+)\s+-?\d+\s+\S+\s+.*$", line)
        if match:
            yield match["name"], match["role"]


# -- what the package makes public ---------------------------------------------------------


def all_modules() -> list[str]:
    """The dotted name of every module of the package (only packages are imported)."""
    walked = pkgutil.walk_packages(requests_kalshi.__path__, PACKAGE + ".")
    return [PACKAGE, *(info.name for info in walked)]


def public_modules() -> dict[str, list[str]]:
    """Every non-underscore module of the package that defines ``__all__``, with it.

    ``__all__`` is read from the source, so that collecting these tests imports no module
    (importing the pytest plugin here would stop pytest from rewriting its asserts).
    """
    found: dict[str, list[str]] = {}
    for name in all_modules():
        if any(part.startswith("_") for part in name.split(".")):
            continue
        exported = declared_all(name)
        if exported is not None:
            found[name] = exported
    return found


def declared_all(module_name: str) -> list[str] | None:
    """The literal ``__all__`` of a module's source; imported when it is not a literal."""
    spec = importlib.util.find_spec(module_name)
    assert spec is not None, module_name
    assert spec.origin is not None, module_name
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        if any(isinstance(target, ast.Name) and target.id == "__all__" for target in targets):
            try:
                return list(ast.literal_eval(value))
            except ValueError:
                return list(importlib.import_module(module_name).__all__)
    return None


def public_names() -> list[str]:
    """``module.name`` of everything in a public ``__all__``, less what is :data:`INTERNAL`."""
    return sorted(
        f"{module}.{name}"
        for module, exported in public_modules().items()
        if module not in INTERNAL
        for name in exported
        if f"{module}.{name}" not in INTERNAL
    )


def exported(qualified: str) -> object:
    """The object ``module.name`` exports."""
    module, _, name = qualified.rpartition(".")
    return getattr(importlib.import_module(module), name)


def resolve(qualified: str) -> object:
    """What a user gets for a dotted name: attributes from the package down, importing a
    submodule only where no attribute has the name (``requests_kalshi.session`` is the
    function, not the module), or ``None``."""
    head, *rest = qualified.split(".")
    target: object = importlib.import_module(head)
    path = head
    for attribute in rest:
        path = f"{path}.{attribute}"
        found = inspect.getattr_static(target, attribute, None)
        if found is None and isinstance(target, types.ModuleType):
            try:
                found = importlib.import_module(path)
            except ImportError:
                return None
        if found is None:
            return None
        target = found
    return target


def is_ours(value: object) -> bool:
    return str(getattr(value, "__module__", None) or "").split(".")[0] == PACKAGE


def documented_as(value: object, name: str, documented: frozenset[str]) -> list[str]:
    """The documented names of ``value``: ``name`` itself, or another public path to it.

    Classes and functions are found by identity; other values (constants) by identity under
    the same last name, so equal small strings or numbers are not taken for one another.
    """
    by_identity = isinstance(value, (type, types.FunctionType))
    last = name.rsplit(".", 1)[-1]
    return sorted(
        other
        for other in documented
        if other == name
        or ((by_identity or other.rsplit(".", 1)[-1] == last) and resolve(other) is value)
    )


PUBLIC = public_names()  # the parameters of a test, so no import at collection time


# -- the checks ----------------------------------------------------------------------------


def test_every_exemption_names_a_public_module_or_name() -> None:
    modules = public_modules()
    stale = [
        name
        for name in INTERNAL
        if name not in modules
        and name.rpartition(".")[2] not in modules.get(name.rpartition(".")[0], [])
    ]
    assert not stale, f"INTERNAL names what no public module exports (remove it): {stale}"


def test_public_modules_are_found() -> None:
    modules = public_modules()
    assert {PACKAGE, f"{PACKAGE}.testing", f"{PACKAGE}.sessions"} <= set(modules)
    assert not [name for name in modules if "._" in name]


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_is_in_the_reference(name: str, documented: frozenset[str]) -> None:
    assert documented_as(exported(name), name, documented), (
        f"{name} is public (in __all__) but not in docs/api.md: add an autodoc entry for it"
    )


def public_classes() -> dict[str, type]:
    """Every public class (by one public name), and every class of ours its hints mention."""
    classes: dict[type, str] = {}
    values = {name: exported(name) for name in PUBLIC}
    pending = [(value, name) for name, value in values.items() if isinstance(value, type)]
    while pending:
        cls, name = pending.pop()
        if cls in classes:
            continue
        classes[cls] = name
        for mentioned in mentioned_classes(cls):
            if mentioned not in classes:
                pending.append((mentioned, f"{mentioned.__module__}.{mentioned.__qualname__}"))
    return {name: cls for cls, name in classes.items()}


def own_members(cls: type, *, with_fields: bool = False) -> Iterator[tuple[str, object]]:
    """The public members ``cls`` defines itself: methods, properties, attributes declared
    at class level and, ``with_fields``, its dataclass fields.

    The keys of a TypedDict (the wire shapes of :mod:`requests_kalshi.shapes`) are not members:
    they are keys of a plain ``dict``, not attributes, named and typed by Kalshi's API
    specification. The TypedDict's own docstring says what the object is and which endpoint
    answers it, and the module's names the specification; a line per key would repeat the
    spec. The TypedDict itself must still be in the reference with a docstring, and the
    classes its keys' types mention are still reached.
    """
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    for name, value in vars(cls).items():
        if not name.startswith("_") and name not in fields:
            yield name, value
    if typing.is_typeddict(cls):
        return
    for name in vars(cls).get("__annotations__", {}):
        if name.startswith("_") or (name in vars(cls) and name not in fields):
            continue
        if with_fields or name not in fields:
            yield name, None


def mentioned_classes(cls: type) -> Iterator[type]:
    """Classes of ours in the type hints of ``cls``'s public members and attributes."""
    module = sys.modules[cls.__module__]
    hints: list[str] = [
        str(v) for k, v in vars(cls).get("__annotations__", {}).items() if not k.startswith("_")
    ]
    for _, value in own_members(cls):
        function = value.fget if isinstance(value, property) else value
        function = getattr(function, "__func__", function)
        if callable(function) and not isinstance(function, type):
            hints += [str(v) for v in getattr(function, "__annotations__", {}).values()]
    for hint in hints:
        for word in re.findall(r"[A-Za-z_][\w.]*", hint):
            found = resolve_in(module, word)
            if (
                isinstance(found, type)
                and is_ours(found)
                and found is not cls
                and not found.__name__.startswith("_")  # private by name: its owner's choice
            ):
                yield found


def resolve_in(module: types.ModuleType, dotted: str) -> object:
    head, *rest = dotted.split(".")
    value: object = vars(module).get(head)
    if value is None:
        value = _ours_by_name().get(head)
    for attribute in rest:
        value = getattr(value, attribute, None)
    return value


_BY_NAME: dict[str, type] = {}


def _ours_by_name() -> dict[str, type]:
    """Classes of the package by their simple name, when that name is unique (type hints
    imported only while type checking are not in a module's namespace)."""
    if not _BY_NAME:
        seen: dict[str, list[type]] = {}
        for name in all_modules():
            if name.endswith(".__main__"):
                continue
            module = importlib.import_module(name)
            for value in vars(module).values():
                if isinstance(value, type) and value.__module__ == name:
                    seen.setdefault(value.__name__, []).append(value)
        _BY_NAME.update({name: found[0] for name, found in seen.items() if len(found) == 1})
    return _BY_NAME


def test_classes_users_reach_are_in_the_reference(documented: frozenset[str]) -> None:
    missing = [
        name for name, cls in public_classes().items() if not documented_as(cls, name, documented)
    ]
    assert not missing, (
        f"reached through a public name's type hints (an attribute, an argument or a return "
        f"value) but not in docs/api.md: {sorted(missing)}"
    )


def test_every_member_of_a_public_class_is_documented(documented: frozenset[str]) -> None:
    missing: dict[str, list[str]] = {}
    for name, cls in public_classes().items():
        homes = documented_as(cls, name, documented)
        # Attributes may be documented in the class docstring instead: ``:ivar name:``, or
        # for a dataclass field ``:param name:`` (the constructor's parameter of that name).
        docstring = inspect.getdoc(cls) or ""
        in_docstring = set(re.findall(r":ivar (?:[^:]+ )?(\w+):", docstring))
        if dataclasses.is_dataclass(cls):
            fields = {f.name for f in dataclasses.fields(cls)}
            in_docstring |= fields & set(re.findall(r":param (?:[^:]+ )?(\w+):", docstring))
        undocumented = [
            member
            for member, _ in own_members(cls, with_fields=True)
            if member not in in_docstring
            and not any(f"{home}.{member}" in documented for home in homes)
        ]
        if undocumented:
            missing[name] = undocumented
    assert not missing, f"members of public classes not in docs/api.md: {missing}"


def has_docstring(owner: str, value: object, module: str, attribute: str) -> bool:
    """Whether a documented name says what it is: its own docstring, or for data (constants,
    type aliases, class attributes) the string literal after its assignment in ``module``."""
    if isinstance(value, property):
        value = value.fget
    value = getattr(value, "__func__", value)
    if isinstance(value, type):
        own = vars(value).get("__doc__") or ""
        is_generated = own.startswith(f"{value.__name__}(")  # a dataclass's signature
        return bool(own.strip()) and not is_generated
    if inspect.isroutine(value) or isinstance(value, types.ModuleType):
        return bool((getattr(value, "__doc__", None) or "").strip())
    return (owner, attribute) in ModuleAnalyzer.for_module(module).find_attr_docs()


def test_every_public_name_has_a_docstring() -> None:
    missing = []
    for name in PUBLIC:
        module, _, attribute = name.rpartition(".")
        value = exported(name)
        # Data is documented where it is assigned, which may be a module it is imported from.
        homes = [module] + [
            other
            for other in all_modules()
            if not other.endswith(".__main__")
            and getattr(importlib.import_module(other), attribute, None) is value
        ]
        if not any(has_docstring("", value, home, attribute) for home in homes):
            missing.append(name)
    assert not missing, f"public names without a docstring: {missing}"


def test_every_member_of_a_public_class_has_a_docstring() -> None:
    missing = []
    for name, cls in public_classes().items():
        docstring = inspect.getdoc(cls) or ""
        ivars = set(re.findall(r":(?:ivar|param) (?:[^:]+ )?(\w+):", docstring))
        for member, value in own_members(cls, with_fields=True):
            if member in ivars:
                continue
            if not has_docstring(cls.__qualname__, value, cls.__module__, member):
                missing.append(f"{name}.{member}")
    assert not missing, f"members without a docstring: {missing}"


def test_the_checks_catch_what_is_missing(tmp_path: Path) -> None:
    inventory = tmp_path / "objects.inv"
    body = (
        "requests_kalshi.KalshiAuth py:class 1 api.html#$ -\n"
        "requests_kalshi.KalshiAuth.headers py:method 1 api.html#$ -\n"
    )
    inventory.write_bytes(
        b"# Sphinx inventory version 2\n# Project: x\n# Version: 1\n"
        b"# The remainder of this file is compressed using zlib.\n" + zlib.compress(body.encode())
    )
    names = frozenset(name for name, _ in read_inventory(inventory))
    assert names == {"requests_kalshi.KalshiAuth", "requests_kalshi.KalshiAuth.headers"}
    auth = requests_kalshi.KalshiAuth
    assert documented_as(auth, "requests_kalshi.auth.KalshiAuth", names)
    assert not documented_as(requests_kalshi.session, "requests_kalshi.session", names)
    assert not documented_as(requests_kalshi.DEMO, "requests_kalshi.environments.DEMO", names)


def test_typeddict_keys_are_not_members_but_their_types_are_reached() -> None:
    from requests_kalshi import shapes
    from requests_kalshi.testing import market

    assert not list(own_members(shapes.Order, with_fields=True))
    assert shapes.Market in set(mentioned_classes(shapes.MarketsResponse))
    # A dataclass's fields still are members, each to be documented.
    assert "event_ticker" in dict(own_members(market.Event, with_fields=True))
