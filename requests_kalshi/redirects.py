"""Keeping signatures right across redirects.

``requests`` never runs an auth again on a redirect, and strips only ``Authorization`` when
the host changes: ``KALSHI-ACCESS-*`` headers would reach the new host, with a signature for
the old path. These helpers strip them for untrusted targets and sign anew for trusted ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import requests
from requests.status_codes import codes
from requests.utils import requote_uri

from .signing import SIGNED_HEADERS

if TYPE_CHECKING:
    from .auth import KalshiAuth

__all__ = ["prepare_next_hop", "redirect_method", "redirect_target", "strip_signature"]


def redirect_target(response: requests.Response) -> str | None:
    """The absolute URL a redirect response points to, as ``requests`` will follow it."""
    if not response.is_redirect:
        return None
    location = response.headers["location"].encode("latin1").decode("utf8", "replace")
    if location.startswith("//"):
        location = f"{urlsplit(response.url).scheme}:{location}"
    return urljoin(response.url, requote_uri(location))


def redirect_method(method: str, status: int) -> str:
    """The method ``requests`` uses for the next hop (as ``Session.rebuild_method`` does)."""
    method = method.upper()
    if status in (codes.see_other, codes.found) and method != "HEAD":
        return "GET"
    if status == codes.moved and method == "POST":
        return "GET"
    return method


def strip_signature(request: requests.PreparedRequest) -> None:
    """Remove every ``KALSHI-ACCESS-*`` header from ``request``."""
    for name in SIGNED_HEADERS:
        request.headers.pop(name, None)


def prepare_next_hop(auth: KalshiAuth, response: requests.Response) -> None:
    """Fix the headers of the request ``requests`` will copy for a redirect's next hop.

    Used as a response hook (so it works for any ``requests.Session``): for a target the auth
    signs for, the request is signed for the target's path and method; for any other target
    it carries no signature at all.

    :param auth: the auth of the request being redirected.
    :type auth: requests_kalshi.KalshiAuth
    :param response: the redirect response.
    """
    target = redirect_target(response)
    request = response.request
    if target is None or request is None:
        return
    strip_signature(request)
    if auth.signs_for(target):
        method = redirect_method(request.method or "GET", response.status_code)
        request.headers.update(auth.headers(method, target))
