"""``lapor-hub serve``: the whole service on one machine, as child processes of one command.

Order: Prefect server (its database under ``var/`` or PostgreSQL) → process work pool → global
concurrency limits for the upstream systems → ``prefect deploy --all`` of ``prefect.yaml`` →
worker(s) → the hub's intake → (``--simulate``) the sandbox simulators. Children run in their own
process groups with their output in ``var/serve/<name>.log``, so one Ctrl-C here stops them in
reverse order, each with its own children (a worker's flow runs), instead of racing them.
The scale-out test drives the same ``Stack`` with PostgreSQL and two workers.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from hub.core.settings import PROJECT_ROOT
from hub.service.deployments import WORK_POOL
from hub.service.recovery import recover
from hub.service.sandbox import deliver_112, sandbox_env

Say = Callable[[str], None]


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    log: IO[bytes]


@dataclass
class StackConfig:
    root: Path = PROJECT_ROOT
    host: str = "127.0.0.1"  # Prefect server's bind address (0.0.0.0: workers elsewhere)
    prefect_port: int = 4200
    intake_host: str = "127.0.0.1"
    intake_port: int = 8700
    data_dir: Path | None = None  # None: <root>/var; Prefect's DB and logs live under it
    # Prefect's own database; None: SQLite under var/. PostgreSQL: postgresql+asyncpg://…
    prefect_db_url: str | None = None
    workers: int = 1
    worker_poll_s: float = 2.0  # Prefect's default is 10 s: too slow for event-triggered runs
    worker_limit: int | None = None  # flow runs one worker takes at once (None: no limit)
    fast_path: bool = False
    deployments: list[str] | None = None  # names in prefect.yaml; None: all of them
    prefect_file: Path | None = None  # None: <root>/prefect.yaml
    env: dict[str, str] = field(default_factory=dict)  # extra environment for every child
    log_dir: Path | None = None
    startup_timeout_s: float = 120.0

    @property
    def state_dir(self) -> Path:
        return self.data_dir or self.root / "var"

    @property
    def api_url(self) -> str:
        return f"http://{_reachable(self.host)}:{self.prefect_port}/api"

    @property
    def intake_url(self) -> str:
        return f"http://{_reachable(self.intake_host)}:{self.intake_port}"


def _reachable(host: str) -> str:
    """Where this machine's own clients reach a server bound to ``host``."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104


class Stack:
    def __init__(self, config: StackConfig, say: Say = lambda _: None) -> None:
        self.config, self.say = config, say
        self.children: list[Child] = []
        self.log_dir = config.log_dir or config.state_dir / "serve"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.env = self._environment()

    def _environment(self) -> dict[str, str]:
        c = self.config
        home = c.state_dir / "prefect-serve"
        db = c.prefect_db_url or f"sqlite+aiosqlite:///{home / 'prefect.db'}"
        env = {**os.environ, **c.env}
        env.update(
            {
                "PREFECT_API_URL": c.api_url,
                "PREFECT_HOME": str(home),
                "PREFECT_API_DATABASE_CONNECTION_URL": db,
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PREFECT_WORKER_QUERY_SECONDS": str(c.worker_poll_s),
                # A run queued behind its channel's running one retries every 2 s, not 30 s.
                "PREFECT_SERVER_DEPLOYMENTS_CONCURRENCY_SLOT_WAIT_SECONDS": "2",
                "LAPOR_HUB_INTAKE__HOST": c.intake_host,
                "LAPOR_HUB_INTAKE__PORT": str(c.intake_port),
                # prefect.yaml's pull step runs flows from here; its build step finds `python`.
                "LAPOR_HUB_HOME": str(c.root),
                "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
            }
        )
        env.setdefault("PREFECT_LOGGING_TO_API_BATCH_INTERVAL", "0.5")
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(c.root), env.get("PYTHONPATH")) if p)
        return env

    # children -----------------------------------------------------------------------------
    def spawn(self, name: str, args: list[str]) -> Child:
        log_path = self.log_dir / f"{name}.log"
        log = log_path.open("ab")
        process = subprocess.Popen(  # noqa: S603  (our own argv, no shell)
            args,
            cwd=self.config.root,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        child = Child(name, process, log_path, log)
        self.children.append(child)
        return child

    def run(self, args: list[str], what: str, timeout_s: float = 180.0) -> None:
        """A one-shot Prefect CLI command; its output goes to the log, a failure raises."""
        with (self.log_dir / "setup.log").open("ab") as log:
            done = subprocess.run(  # noqa: S603
                args,
                cwd=self.config.root,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=timeout_s,
                check=False,
            )
        if done.returncode:
            raise RuntimeError(
                f"{what} failed (exit {done.returncode}); see {self.log_dir / 'setup.log'}"
            )

    def wait_http(self, child: Child, url: str) -> None:
        deadline = time.monotonic() + self.config.startup_timeout_s
        while time.monotonic() < deadline:
            if child.process.poll() is not None:
                raise RuntimeError(
                    f"{child.name} exited with {child.process.returncode}; see {child.log_path}"
                )
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError(
            f"{child.name} did not answer {url} within "
            f"{self.config.startup_timeout_s:.0f} s; see {child.log_path}"
        )

    # the service ----------------------------------------------------------------------------
    def start_server(self) -> None:
        c = self.config
        child = self.spawn(
            "prefect-server",
            [*_prefect(), "server", "start", "--host", c.host, "--port", str(c.prefect_port)],
        )
        self.wait_http(child, f"{c.api_url}/health")

    def prepare(self) -> None:
        """Work pool, upstream limits and deployments: idempotent, so a restart just refreshes."""
        self.run(
            [*_prefect(), "work-pool", "create", WORK_POOL, "--type", "process", "--overwrite"],
            "creating the work pool",
        )
        self.run([sys.executable, "-m", "hub.sync.limits"], "creating the upstream limits")
        names = [a for n in self.config.deployments or [] for a in ("--name", n)]
        which = names or ["--all"]
        file = ["--prefect-file", str(self.config.prefect_file)] if self.config.prefect_file else []
        self.run([*_prefect(), "--no-prompt", "deploy", *file, *which], "deploying prefect.yaml")

    def start_worker(self, n: int) -> Child:
        return self.spawn(
            f"worker-{n}",
            [
                *_prefect(),
                "worker",
                "start",
                "--pool",
                WORK_POOL,
                "--type",
                "process",
                "--name",
                f"lapor-hub-{n}",
                *(["--limit", str(self.config.worker_limit)] if self.config.worker_limit else []),
            ],
        )

    def start_intake(self) -> Child:
        args = [sys.executable, "-m", "hub.intake.run"]
        child = self.spawn("intake", [*args, "--fast-path"] if self.config.fast_path else args)
        self.wait_http(child, f"{self.config.intake_url}/healthz")
        return child

    def start_simulators(self, tickets: int = 200, seed: int = 42) -> Child:
        child = self.spawn(
            "simulators",
            [sys.executable, "-m", "simulators", "--seed", str(seed), "--n", str(tickets)],
        )
        self.wait_http(child, "http://127.0.0.1:8701/_sim/state")
        return child

    def start(self, simulate: bool = False) -> None:
        c = self.config
        self.say(f"Prefect server on {c.host}:{c.prefect_port}, API {c.api_url}")
        self.say(f"state in {c.state_dir} (Prefect database {self.env['PREFECT_HOME']}, "
                 f"logs {self.log_dir})")
        self.start_server()
        self.say("work pool, upstream limits, deployments from prefect.yaml")
        self.prepare()
        # Before any worker of ours takes a run again: their predecessors are all gone.
        recover(c.api_url, self.say)
        self.run([sys.executable, "-m", "hub.service.recovery"], "releasing claims")
        for n in range(1, c.workers + 1):
            self.start_worker(n)
        if simulate:
            self.start_simulators()
            for key, url in sorted(self.env.items()):
                if key.startswith("LAPOR_HUB_") and key.endswith("__BASE_URL"):
                    name = key.removeprefix("LAPOR_HUB_").removesuffix("__BASE_URL").lower()
                    self.say(f"simulator {name}: {url}")
        self.start_intake()
        self.say(
            f"intake on {c.intake_url}/events/<channel>"
            + (" (fast path on)" if c.fast_path else "")
        )

    def dead(self) -> Child | None:
        return next((ch for ch in self.children if ch.process.poll() is not None), None)

    def stop(self, grace_s: float = 15.0) -> None:
        """Reverse order; SIGTERM to each child's whole group, SIGKILL after ``grace_s``."""
        for child in reversed(self.children):
            _signal_group(child.process, signal.SIGTERM)
            try:
                child.process.wait(grace_s)
            except subprocess.TimeoutExpired:
                _signal_group(child.process, signal.SIGKILL)
                child.process.wait(5)
            # Flow runs started by a worker live in its group; make sure none outlives it.
            _signal_group(child.process, signal.SIGKILL)
            child.log.close()
        self.children.clear()


def _die_with_parent() -> None:
    """A child killed with serve itself (SIGKILL, OOM) instead of living on holding its port:
    the next ``serve`` could not start otherwise. Linux only; elsewhere a no-op."""
    if sys.platform == "linux":
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _prefect() -> list[str]:
    return [sys.executable, "-m", "prefect"]


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


@contextlib.contextmanager
def running_stack(
    config: StackConfig, say: Say = lambda _: None, simulate: bool = False
) -> Iterator[Stack]:
    stack = Stack(config, say)
    try:
        stack.start(simulate)
        yield stack
    finally:
        stack.stop()


def serve(config: StackConfig, say: Say, simulate: bool = False) -> int:
    """Run until Ctrl-C/SIGTERM or until a child dies; returns the exit code."""
    if simulate:
        config.env = {**sandbox_env(config.root), **config.env}
        ledger = config.env.get("LAPOR_HUB_DATABASE_URL")
        say(f"sandbox: fresh ledger {ledger} (simulators start empty)" if ledger and "sandbox"
            in ledger else "sandbox: reusing the ledger of LAPOR_HUB_DATABASE_URL")
    stopping: list[int] = []
    handler = lambda sig, _frame: stopping.append(sig)  # noqa: E731
    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    stack = Stack(config, say)
    try:
        stack.start(simulate)
        ui = config.api_url.removesuffix("/api")
        say(f"ready: Prefect UI at {ui} — deployments, flow runs, artifacts, events")
        if simulate:
            deliver_112(config.intake_url, stack.env)
            say("the 112 simulator pushed its calls: watch the sync-call112 runs in the UI")
        while not stopping:
            if (gone := stack.dead()) is not None:
                say(f"{gone.name} exited with {gone.process.returncode}; see {gone.log_path}")
                return 1
            time.sleep(0.5)
        return 0
    except RuntimeError as exc:
        say(f"could not start: {exc}")
        return 1
    finally:
        say("stopping…")
        stack.stop()
        for sig, old in previous.items():
            signal.signal(sig, old)
