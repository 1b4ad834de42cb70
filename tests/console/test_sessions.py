"""Console sign-in: a key becomes a signed, expiring, HttpOnly SameSite=Strict session; every form
needs its CSRF token; a revoked key or a forged cookie ends the session; others' tickets are 404."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from pydantic import SecretStr

from hub.console.app import create_console_app
from hub.core.settings import ConsoleSettings
from hub.sync.pipeline import Hub
from hub.view.apikeys import revoke_key
from tests.console.helpers import form_token, sign_in
from tests.hub.viewdata import NOW, Seeded


def _cookie_header(response: object, name: str) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return next(h for h in headers if h.startswith(f"{name}="))


def test_pages_need_a_session(client: TestClient) -> None:
    for path in ("/", "/tickets", "/tickets/1", "/ops", "/export/tickets.csv"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login", path
    assert client.get("/overview/live").status_code == 401


def test_sign_in_sets_a_strict_httponly_expiring_cookie_without_the_key(
        client: TestClient, data: Seeded) -> None:
    key = data.keys["oversight"]
    token = form_token(client.get("/login").text)
    r = client.post("/login", data={"key": key, "csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = _cookie_header(r, "lh_console")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=28800" in cookie
    assert "Secure" not in cookie  # plain HTTP here; see the HTTPS test
    assert key.split("_")[2] not in cookie  # the secret never leaves the server again
    page = client.get("/")
    assert page.status_code == 200 and 'data-role>oversight<' in page.text


def test_secure_cookie_over_https(hub: Hub, data: Seeded) -> None:
    with TestClient(create_console_app(hub, clock=lambda: NOW),
                    base_url="https://console.test") as c:
        token = form_token(c.get("/login").text)
        r = c.post("/login", data={"key": data.keys["integrator"], "csrf": token},
                   follow_redirects=False)
        assert "Secure" in _cookie_header(r, "lh_console")


def test_bad_key_and_missing_token_give_no_session(client: TestClient, data: Seeded) -> None:
    token = form_token(client.get("/login").text)
    bad = client.post("/login", data={"key": "lh_000000000000_" + "x" * 40, "csrf": token})
    assert bad.status_code == 400 and "lh_console=" not in bad.headers.get("set-cookie", "")
    assert "Kunci tidak valid atau sudah dicabut." in bad.text
    client.cookies.clear()
    forged = client.post("/login", data={"key": data.keys["oversight"], "csrf": "guess"},
                         follow_redirects=False)
    assert forged.status_code == 400
    assert "lh_console=" not in forged.headers.get("set-cookie", "")


def test_logout_needs_the_csrf_token(client: TestClient, data: Seeded) -> None:
    csrf = sign_in(client, data.keys["oversight"])
    assert client.post("/logout", data={"csrf": "nope"}).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in
    r = client.post("/logout", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_revoked_key_or_forged_cookie_ends_the_session(client: TestClient, hub: Hub,
                                                       data: Seeded) -> None:
    sign_in(client, data.keys["jambi_dlh"])
    session = client.cookies["lh_console"]
    client.cookies.set("lh_console", session[:-2] + ("AA" if session[-2:] != "AA" else "BB"))
    assert client.get("/", follow_redirects=False).status_code == 303
    client.cookies.set("lh_console", session)
    assert client.get("/", follow_redirects=False).status_code == 200
    assert revoke_key(hub.engine, data.keys["jambi_dlh"].split("_")[1])
    assert client.get("/", follow_redirects=False).status_code == 303


def test_another_agencys_ticket_is_the_same_404_as_a_missing_one(client: TestClient,
                                                                 data: Seeded) -> None:
    sign_in(client, data.keys["jambi_dlh"])
    pages = [f"/tickets/{data.ids['plain']}", "/tickets/999999", "/tickets/abc"]
    answers = [client.get(p) for p in pages]
    assert [a.status_code for a in answers] == [404, 404, 404]
    # Identical but for the path the caller typed (in the language link) and the form token.
    bodies = {a.text.replace(p, "").replace(form_token(a.text), "")
              for p, a in zip(pages, answers, strict=True)}
    assert len(bodies) == 1
    own = client.get(f"/tickets/{data.ids['rahasia']}")
    assert own.status_code == 200 and "Aduan 2" in own.text


def test_operations_are_for_integrators_and_replay_needs_the_token(client: TestClient,
                                                                   data: Seeded) -> None:
    sign_in(client, data.keys["oversight"])
    assert client.get("/ops").status_code == 403
    assert 'href="/ops"' not in client.get("/").text
    csrf = sign_in(client, data.keys["integrator"])
    assert client.get("/ops").status_code == 200
    assert client.post("/ops/replay", data={"reason": "x", "csrf": "no"}).status_code == 403
    ok = client.post("/ops/replay", data={"reason": "nothing_here", "csrf": csrf})
    assert ok.status_code == 200


def test_console_pages_carry_a_strict_content_security_policy(client: TestClient,
                                                              data: Seeded) -> None:
    sign_in(client, data.keys["oversight"])
    csp = client.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "content-security-policy" not in client.get(
        "/api/v1/sla", headers={"X-API-Key": data.keys["oversight"]}).headers


class _OldSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 9 * 3600  # signed 9 hours ago; sessions last 8


def test_an_expired_session_is_refused(hub: Hub, data: Seeded) -> None:
    hub.settings.console = ConsoleSettings(secret=SecretStr("s" * 32))
    with TestClient(create_console_app(hub, clock=lambda: NOW)) as c:
        sign_in(c, data.keys["oversight"])
        assert c.get("/", follow_redirects=False).status_code == 200
        key_id = data.keys["oversight"].split("_")[1]
        old = URLSafeTimedSerializer("s" * 32, salt="lapor-hub.console.session",
                                     signer=_OldSigner).dumps(
            {"k": key_id, "r": "oversight", "c": "x" * 32})
        fresh = URLSafeTimedSerializer("s" * 32, salt="lapor-hub.console.session").dumps(
            {"k": key_id, "r": "oversight", "c": "x" * 32})
        c.cookies.clear()
        c.cookies.set("lh_console", fresh)  # the same cookie signed now is accepted...
        assert c.get("/", follow_redirects=False).status_code == 200
        c.cookies.clear()
        c.cookies.set("lh_console", old)  # ...and refused once older than the session lasts
        assert c.get("/", follow_redirects=False).status_code == 303
