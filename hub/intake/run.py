"""``python -m hub.intake.run [--fast-path]``: the intake as a service, with what follows a store.

After the intake stores an event, one or both of:
- the **announcer** tells Prefect (when ``PREFECT_API_URL`` is set), whose deployment trigger
  starts the channel's sync on a worker;
- the **fast path** (``--fast-path``) pulls and pushes the channel in this process right away with
  the same ``hub.sync.pipeline`` functions, so the ledger's claims still decide who sends.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal

import structlog
import uvicorn

from hub.core.settings import Settings, get_settings
from hub.intake.announce import Announcer, PrefectEmitter
from hub.intake.app import create_app
from hub.privacy.logging import configure_logging
from hub.sync.pipeline import Hub, pull, push_all
from hub.sync.summary import describe

log = structlog.get_logger(__name__)


class FastPath:
    """One sync loop per channel: a wake during a sync makes it go round once more, so a burst
    of events costs a few syncs, not one each, and nothing stored is left behind."""

    def __init__(self, hub: Hub) -> None:
        self._hub = hub
        self._dirty: dict[str, asyncio.Event] = {}
        self._loops: dict[str, asyncio.Task[None]] = {}

    def wake(self, channel: str) -> None:
        self._dirty.setdefault(channel, asyncio.Event()).set()
        if channel not in self._loops or self._loops[channel].done():
            self._loops[channel] = asyncio.create_task(self._loop(channel))

    async def _loop(self, channel: str) -> None:
        dirty = self._dirty[channel]
        while dirty.is_set():
            dirty.clear()
            try:
                await pull(self._hub, channel)
                await push_all(self._hub, [channel])
            except Exception as exc:  # noqa: BLE001  (the scheduled sync finishes what this missed)
                log.error("intake.fast_path_failed", channel=channel, error=describe(exc))

    async def close(self) -> None:
        for task in self._loops.values():
            task.cancel()
        await asyncio.gather(*self._loops.values(), return_exceptions=True)


async def serve_intake(
    settings: Settings, fast_path: bool = False, prefect_api_url: str | None = None
) -> None:
    hub = Hub.from_settings(settings)
    emitter = PrefectEmitter(prefect_api_url) if prefect_api_url else None
    announcer = Announcer(hub.engine, emitter) if emitter else None
    fast = FastPath(hub) if fast_path else None

    def announce(channel: str, event_id: str) -> None:
        if announcer is not None:
            announcer.wake(channel, event_id)
        if fast is not None:
            fast.wake(channel)

    config = uvicorn.Config(
        create_app(hub, announce),
        host=settings.intake.host,
        port=settings.intake.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    background = asyncio.create_task(announcer.run()) if announcer else None
    log.info(
        "intake.started",
        port=settings.intake.port,
        fast_path=fast_path,
        announces=announcer is not None,
    )
    try:
        await server.serve()
    finally:
        if background is not None:
            background.cancel()
            await asyncio.gather(background, return_exceptions=True)
        if fast is not None:
            await fast.close()
        if emitter is not None:
            await emitter.aclose()
        hub.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m hub.intake.run", description=__doc__)
    parser.add_argument(
        "--fast-path",
        action="store_true",
        help="sync the channel in this process as soon as an event is stored",
    )
    args = parser.parse_args()
    settings = get_settings()
    configure_logging(json=settings.log_json, level=settings.log_level)
    api = os.environ.get("PREFECT_API_URL") or None
    asyncio.run(serve_intake(settings, fast_path=args.fast_path, prefect_api_url=api))


if __name__ == "__main__":
    main()
