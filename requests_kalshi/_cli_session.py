"""Where the command line's requests go: the environment, the credentials, the session."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from .auth import ENV_KEY_ID, ENV_KEY_PASSWORD, ENV_KEY_PATH, ENV_KEY_TEXT, KalshiAuth
from .environments import LOCAL, is_local, resolve_environment
from .errors import ConfigurationError, UnknownEnvironmentError
from .session_options import ENV_ENVIRONMENT
from .sessions import KalshiSession, session

__all__ = ["environment_name", "open_session"]


def environment_name(args: argparse.Namespace, environ: Mapping[str, str]) -> str:
    name: str = getattr(args, "env", None) or environ.get(ENV_ENVIRONMENT, "").strip() or "demo"
    return name.strip()


def _auth(
    args: argparse.Namespace, environ: Mapping[str, str], *, required: bool
) -> KalshiAuth | None:
    """The :class:`KalshiAuth` from the options, else the environment; ``None`` if neither."""
    key_id = getattr(args, "key_id", None) or environ.get(ENV_KEY_ID, "")
    key_path = getattr(args, "key", None)
    variables = {ENV_KEY_ID: key_id, ENV_KEY_PASSWORD: environ.get(ENV_KEY_PASSWORD, "")}
    if key_path:
        variables[ENV_KEY_PATH] = key_path
    else:
        variables[ENV_KEY_PATH] = environ.get(ENV_KEY_PATH, "")
        variables[ENV_KEY_TEXT] = environ.get(ENV_KEY_TEXT, "")
    if not (key_id or variables[ENV_KEY_PATH] or variables.get(ENV_KEY_TEXT)):
        if required:
            raise ConfigurationError(
                f"no API key: pass --key-id and --key, or set {ENV_KEY_ID} and {ENV_KEY_PATH} "
                "(or use --env local to try the local exchange with a throwaway key)."
            )
        return None
    return KalshiAuth.from_env(variables)


@contextmanager
def open_session(
    args: argparse.Namespace, *, need_auth: bool
) -> Iterator[tuple[KalshiSession, KalshiAuth | None]]:
    """A session for the chosen environment; ``--env local`` runs a local exchange meanwhile."""
    environ = os.environ
    name = environment_name(args, environ)
    if not is_local(name):
        try:
            environment = resolve_environment(name)
        except UnknownEnvironmentError:
            if "://" in name:
                raise
            raise UnknownEnvironmentError(
                f"unknown environment {name!r}: use demo, production, local (a throwaway "
                "local exchange) or a base URL such as http://127.0.0.1:8080/trade-api/v2."
            ) from None
        auth = _auth(args, environ, required=need_auth)
        with KalshiSession(environment, auth=auth) as s:
            yield s, auth
        return
    # As session("local"): only explicitly given credentials replace the throwaway key, so
    # stray KALSHI_* variables for demo cannot break a run that needs no account.
    explicit = getattr(args, "key_id", None) or getattr(args, "key", None)
    given = _auth(args, {}, required=True) if explicit else None
    with session(LOCAL, auth=given) as s:
        auth = s.auth if isinstance(s.auth, KalshiAuth) else None
        yield s, auth
