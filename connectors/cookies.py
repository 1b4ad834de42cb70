"""No cookies at all, for every connector's client."""

from __future__ import annotations

from http.cookiejar import CookieJar
from typing import Any

import httpx


class NoCookies(CookieJar):
    """A jar that keeps nothing. Every system here authenticates each request itself; none sets
    a session cookie, and a cookie a server did set must not ride along on later requests.
    Parsing ``Set-Cookie`` on every response was also a tenth of the client's CPU time."""

    def extract_cookies(self, response: Any, request: Any) -> None:
        return None

    def add_cookie_header(self, request: Any) -> None:
        return None


class NoCookieStore(httpx.Cookies):
    """httpx's cookie store, doing nothing: even with a jar that keeps nothing, httpx builds a
    urllib request per response to offer it ``Set-Cookie`` (a tenth of a POST's client CPU)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None
