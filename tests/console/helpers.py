"""Signing in to the console the way a browser does: fetch the form, post the key with its token."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def form_token(html: str) -> str:
    found = CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found[1]


def sign_in(client: TestClient, key: str) -> str:
    """Signs ``client`` in with ``key``; returns the session's CSRF token."""
    client.cookies.clear()
    token = form_token(client.get("/login").text)
    response = client.post("/login", data={"key": key, "csrf": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return form_token(client.get("/").text)
