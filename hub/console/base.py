"""What every console page needs: the hub, the clock, the SLA rules, sessions and templates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from hub.console import i18n
from hub.console.session import Sessions, User
from hub.sla.rules import SlaRules
from hub.sync.pipeline import Hub
from hub.view.apikeys import RoleKind

Clock = Callable[[], datetime]
HERE = Path(__file__).parent
LANG_COOKIE = "lh_lang"


class SignInRequired(Exception):
    pass


class Console:
    """Shared by the page modules; one per app."""

    def __init__(self, hub: Hub, clock: Clock, rules: SlaRules) -> None:
        self.hub, self.now, self.rules = hub, clock, rules
        self.sessions = Sessions(hub)
        self.templates = Jinja2Templates(directory=HERE / "templates")
        self.zones = {name: i18n.zone_label(m.city.kode_kabkota)
                      for name, m in hub.mappings.items()}

    def user(self, request: Request) -> User:
        found = self.sessions.user(request)
        if found is None:
            raise SignInRequired
        return found

    def render(self, request: Request, name: str, user: User | None, status: int = 200,
               **context: Any) -> HTMLResponse:
        lang = i18n.lang_of(request.cookies.get(LANG_COOKIE))
        zones = self.zones

        def when(value: datetime | None, channel: str | None = None) -> str:
            return i18n.moment(value, lang, zones.get(channel or "", "WIB"))

        response = self.templates.TemplateResponse(request, name, status_code=status, context={
            "user": user, "lang": lang, "t": lambda key: i18n.translate(lang, key),
            "when": when, "day": lambda d: i18n.day(d, lang), "path": request.url.path,
            "is_integrator": user is not None and user.role.kind is RoleKind.integrator,
            **context})
        response.headers["Cache-Control"] = "no-store"
        return response

    def not_found(self, request: Request, user: User) -> HTMLResponse:
        # One page for "missing" and "not yours": nothing in it depends on the ticket asked for.
        return self.render(request, "not_found.html", user, status=404)
