"""Serve several simulators in one process: from the CLI on fixed ports, or from tests on free ones.

Each simulator gets its own ``uvicorn.Server`` (uvloop + httptools, no access log) on its own
socket; all share one event loop. The runner, not each server, owns SIGINT/SIGTERM, so one Ctrl-C
stops them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Collection, Generator, Iterator, Mapping
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from simulators import (
    call112,
    dukcapil,
    laksa,
    lapor,
    notify,
    sambat,
    siasn,
    sikesal,
    simtramtibum,
)
from simulators.admin import SeedRequest
from simulators.dukcapil import DukcapilConfig
from simulators.faults import ConnectionDropped
from simulators.inflight import InflightMiddleware
from simulators.population import DEFAULT_POOL
from simulators.tls import SelfSigned, self_signed


@dataclass(frozen=True)
class SimSpec:
    """One simulator: its default port, the path prefix of its real API, and its app factory."""

    port: int
    api_path: str
    factory: Callable[[SimulatorSettings], FastAPI]


# Adding a simulator is one line here (and its module); ports are documented in the contract.
SIMULATORS: dict[str, SimSpec] = {
    "lapor": SimSpec(8701, "/api/v1", lambda s: lapor.create_app(token=s.lapor_token)),
    "sikesal": SimSpec(8711, "/api/v1", lambda s: sikesal.create_app(token=s.sikesal_token)),
    "laksa": SimSpec(8712, "", lambda s: laksa.create_app(token=s.laksa_token)),
    "sambat": SimSpec(8713, "", lambda s: sambat.create_app()),
    "simtramtibum": SimSpec(8714, "", lambda s: simtramtibum.create_app()),
    "dukcapil": SimSpec(8721, "", lambda s: dukcapil.create_app(config=s.dukcapil)),
    "call112": SimSpec(8715, "", lambda s: call112.create_app()),
    "notify": SimSpec(8731, "", lambda s: notify.create_app()),
    "siasn": SimSpec(8722, "", lambda s: siasn.create_app()),
}
# Served beside another simulator, sharing its state: SIASN's token host (APIM + SSO) runs on a
# port of its own, as BKN's token host (443) differs from its API host (8243).
DERIVED: dict[str, tuple[int, str, Callable[[FastAPI], FastAPI]]] = {
    "siasn_auth": (8723, "siasn", siasn.create_auth_app),
}
API_PATHS = {name: spec.api_path for name, spec in SIMULATORS.items()} | dict.fromkeys(DERIVED, "")


class SimulatorSettings(BaseSettings):
    """Where and how the simulators run; env prefix ``LAPOR_HUB_SIM_`` (e.g. ``..._SEED=7``)."""

    model_config = SettingsConfigDict(env_prefix="LAPOR_HUB_SIM_", env_nested_delimiter="__",
                                      extra="ignore")

    host: str = "127.0.0.1"
    ports: dict[str, int] = Field(
        default_factory=lambda: {name: spec.port for name, spec in SIMULATORS.items()}
        | {name: port for name, (port, _, _) in DERIVED.items()})
    only: list[str] = Field(default_factory=lambda: list(SIMULATORS))
    lapor_token: str = lapor.DEFAULT_TOKEN
    sikesal_token: str = sikesal.DEFAULT_TOKEN
    laksa_token: str = laksa.DEFAULT_TOKEN
    dukcapil: DukcapilConfig = Field(default_factory=DukcapilConfig)
    # Seed at start when set: channels get ``n`` tickets, Dukcapil ``dukcapil_n`` residents a city.
    seed: int | None = None
    n: int = 1000
    bad_rate: float = 0.0
    dukcapil_n: int = DEFAULT_POOL
    # The real central gateway is HTTPS with a self-signed certificate; the demo keeps HTTP.
    dukcapil_tls: bool = False
    log_level: str = "warning"


def build_apps(settings: SimulatorSettings | None = None) -> dict[str, FastAPI]:
    """One FastAPI app per simulator named in ``settings.only``, seeded if ``settings.seed``."""
    s = settings or SimulatorSettings()
    unknown = set(s.only) - set(SIMULATORS)
    if unknown:
        raise ValueError(f"unknown simulators: {sorted(unknown)}")
    apps = {name: SIMULATORS[name].factory(s) for name in s.only}
    for app in apps.values():
        app.add_middleware(InflightMiddleware)
    if s.seed is not None:
        for name, app in apps.items():
            # LAPOR! starts empty: everything in it should be what the hub sent.
            n = {"dukcapil": s.dukcapil_n, "lapor": 0}.get(name, s.n)
            app.state.backend.seed(SeedRequest(n=n, seed=s.seed, bad_rate=s.bad_rate))
    for name, (_, parent, factory) in DERIVED.items():
        if parent in apps:
            apps[name] = factory(apps[parent])
    return apps


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the runner handles signals once for every server


class _HideDrops(logging.Filter):
    """The accept-then-fail drop is intended; keep its traceback out of the error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], ConnectionDropped))


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _servers(apps: Mapping[str, FastAPI], log_level: str,
             tls: Mapping[str, SelfSigned] | None = None) -> dict[str, _Server]:
    certs = tls or {}
    servers = {
        name: _Server(uvicorn.Config(
            app, loop="uvloop", http="httptools", access_log=False, lifespan="off",
            log_level=log_level,
            ssl_certfile=str(certs[name].certfile) if name in certs else None,
            ssl_keyfile=str(certs[name].keyfile) if name in certs else None))
        for name, app in apps.items()
    }
    error_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDrops) for f in error_log.filters):
        error_log.addFilter(_HideDrops())
    return servers


async def _serve_all(servers: Mapping[str, _Server], socks: Mapping[str, socket.socket],
                     handle_signals: bool, on_started: Callable[[], None] | None = None) -> None:
    if handle_signals:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, _stop, servers)
    serving = [asyncio.ensure_future(s.serve(sockets=[socks[name]]))
               for name, s in servers.items()]
    if on_started is not None:
        while not all(s.started for s in servers.values()):
            if any(t.done() for t in serving):
                break
            await asyncio.sleep(0.01)
        else:
            on_started()
    await asyncio.gather(*serving)


def _stop(servers: Mapping[str, _Server]) -> None:
    for server in servers.values():
        server.should_exit = True


def _run(servers: Mapping[str, _Server], socks: Mapping[str, socket.socket],
         handle_signals: bool, on_started: Callable[[], None] | None = None) -> None:
    config = next(iter(servers.values())).config
    with asyncio.Runner(loop_factory=config.get_loop_factory()) as runner:
        runner.run(_serve_all(servers, socks, handle_signals, on_started))


def serve(settings: SimulatorSettings | None = None,
          announce: Callable[[str], None] | None = None) -> None:
    """Run the simulators on their configured ports until SIGINT/SIGTERM (blocking).

    ``announce`` gets ``"<name> <base-url>"`` per simulator once all listen, then ``"ready"``.
    """
    s = settings or SimulatorSettings()
    apps = build_apps(s)
    socks = {name: _bind(s.host, s.ports[name]) for name in apps}
    tls = {"dukcapil": self_signed(s.host)} if s.dukcapil_tls and "dukcapil" in apps else {}

    def started() -> None:
        if announce is not None:
            for name in apps:
                scheme = "https" if name in tls else "http"
                announce(f"{name} {scheme}://{s.host}:{s.ports[name]}{API_PATHS[name]}")
            for name, cert in tls.items():
                announce(f"{name} certificate {cert.certfile} sha256 {cert.sha256}")
            announce("ready")

    try:
        _run(_servers(apps, s.log_level, tls), socks, handle_signals=True, on_started=started)
    finally:
        for sock in socks.values():
            sock.close()


def serve_forever(host: str = "127.0.0.1", tickets: int = 200, seed: int = 42,
                  bad_rate: float = 0.0, announce: Callable[[str], None] | None = None) -> None:
    """``lapor-hub simulate``: every simulator on its default port, seeded, until interrupted."""
    settings = SimulatorSettings().model_copy(
        update={"host": host, "n": tickets, "seed": seed, "bad_rate": bad_rate})
    serve(settings, announce)


@dataclass(frozen=True)
class Endpoint:
    """A served simulator: ``root`` for ``/_sim/*``, ``base_url`` as the hub's settings want it."""

    root: str
    base_url: str
    app: FastAPI
    tls: SelfSigned | None = None  # served over HTTPS with this self-signed certificate


@contextlib.contextmanager
def running(apps: Mapping[str, FastAPI] | None = None, host: str = "127.0.0.1",
            startup_timeout_s: float = 10.0,
            tls: Collection[str] = ()) -> Iterator[dict[str, Endpoint]]:
    """Serve ``apps`` (default: all, unseeded) on free ports in a background thread; those
    named in ``tls`` over HTTPS with a certificate made now."""
    served = dict(apps) if apps is not None else build_apps()
    socks = {name: _bind(host, 0) for name in served}
    certs = {name: self_signed(host) for name in tls if name in served}
    servers = _servers(served, "warning", certs)
    thread = threading.Thread(target=_run, args=(servers, socks, False), name="simulators",
                              daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + startup_timeout_s
        while not all(s.started for s in servers.values()):
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("simulators did not start")
            time.sleep(0.01)
        endpoints = {}
        for name, sock in socks.items():
            scheme = "https" if name in certs else "http"
            root = f"{scheme}://{host}:{sock.getsockname()[1]}"
            endpoints[name] = Endpoint(root, root + API_PATHS.get(name, ""), served[name],
                                       certs.get(name))
        yield endpoints
    finally:
        _stop(servers)
        thread.join(timeout=startup_timeout_s)
        for sock in socks.values():
            sock.close()
