"""Console sessions: an API key is exchanged once for a signed, expiring cookie.

The cookie holds the key's public id, its role and a CSRF token, signed with itsdangerous — never
the key's secret. Every request re-reads the key by id, so a revoked key ends its sessions. Each
form carries the session's CSRF token; the sign-in form, which comes before any session, carries
a token matched against a short-lived signed cookie of its own (double submit).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from hub.sync.pipeline import Hub
from hub.view.apikeys import Role, resolve_key
from hub.view.story import active_role

SESSION_COOKIE = "lh_console"
LOGIN_COOKIE = "lh_console_login"
LOGIN_MAX_AGE_S = 1800


@dataclass(frozen=True)
class User:
    key_id: str
    role: Role
    csrf: str


class Sessions:
    def __init__(self, hub: Hub) -> None:
        configured = hub.settings.console.secret
        secret = configured.get_secret_value() if configured else secrets.token_urlsafe(32)
        self.hub = hub
        self.max_age_s = int(hub.settings.console.session_hours * 3600)
        self._session = URLSafeTimedSerializer(secret, salt="lapor-hub.console.session")
        self._login = URLSafeTimedSerializer(secret, salt="lapor-hub.console.login")

    @staticmethod
    def _set(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
        response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")

    def sign_in(self, request: Request, response: Response, key: str) -> Role | None:
        """Start a session for a valid key; ``None`` (and no cookie) for anything else."""
        role = resolve_key(self.hub.engine, key)
        if role is None:
            return None
        key_id = key.strip().split("_")[1]
        value = self._session.dumps({"k": key_id, "r": str(role), "c": secrets.token_urlsafe(24)})
        self._set(request, response, SESSION_COOKIE, value, self.max_age_s)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return role

    def user(self, request: Request) -> User | None:
        raw = request.cookies.get(SESSION_COOKIE)
        if not raw:
            return None
        try:
            data = self._session.loads(raw, max_age=self.max_age_s)
        except BadSignature:  # also an expired one (SignatureExpired is a BadSignature)
            return None
        if not isinstance(data, dict):
            return None
        role = active_role(self.hub.engine, str(data.get("k", "")))
        if role is None or str(role) != data.get("r"):
            return None
        return User(key_id=str(data["k"]), role=role, csrf=str(data.get("c", "")))

    @staticmethod
    def sign_out(response: Response) -> None:
        response.delete_cookie(SESSION_COOKIE, path="/")

    @staticmethod
    def new_login_token() -> str:
        return secrets.token_urlsafe(24)

    def set_login_cookie(self, request: Request, response: Response, token: str) -> None:
        """The sign-in form's CSRF token has a signed twin in a cookie (double submit)."""
        self._set(request, response, LOGIN_COOKIE, self._login.dumps(token), LOGIN_MAX_AGE_S)

    def login_token_ok(self, request: Request, given: str) -> bool:
        raw = request.cookies.get(LOGIN_COOKIE, "")
        try:
            expected = self._login.loads(raw, max_age=LOGIN_MAX_AGE_S) if raw else None
        except BadSignature:
            return False
        return isinstance(expected, str) and hmac.compare_digest(expected, given)


def csrf_ok(user: User, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(user.csrf, given or "")
