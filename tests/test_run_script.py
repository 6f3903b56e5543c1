"""`make run` (scripts/run.sh) serves where it says, and stopping it stops all of it.

The product's own script is started as a service manager or `timeout` would start it: in a session of its
own, with a free PORT, an empty SQLite database (migrated once for the module, then copied) and no demo seed
(CAREBOOK_DEMO_SEED=false), so a run takes seconds rather than minutes. Once it answers HTTP and the
background worker (django-q2's qcluster: main process, sentinel, worker, monitor, pusher) is up, it is stopped
by a signal and every process of its session must be gone within a few seconds, without the script's SIGKILL
fallback (CAREBOOK_STOP_SECONDS is set well above the time allowed).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
RUN = REPO / "scripts" / "run.sh"
STARTUP_SECONDS = 180  # setup check, migrate, collectstatic, Django start-up on a busy 2-core machine
STOP_WITHIN_SECONDS = 10
QCLUSTER_PROCESSES = 5  # main, sentinel, one worker, monitor, pusher (CAREBOOK_WORKERS=1)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "sqlite").startswith("sqlite"),
        reason="make run serves SQLite; this runs once, in the SQLite pass of make test",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_processes(session_id: int) -> dict[int, str]:
    """Every live process of a session (pid → command line), read from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            state, sid = fields[0], int(fields[3])
            if sid == session_id and state != "Z":
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return found


def default_signals() -> None:
    # A child of a non-interactive shell may inherit SIGINT ignored, and bash cannot trap a signal ignored on
    # entry. Start the script as a terminal or a service manager would: default dispositions.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A migrated empty database and collected static files, made once for every run in this module."""
    root = tmp_path_factory.mktemp("run-script")
    database, static = root / "template.sqlite3", root / "static"
    env = environment(database, static, port=0)
    for command in (["migrate", "--noinput", "-v", "0"], ["collectstatic", "--noinput", "-v", "0"]):
        subprocess.run([str(REPO / ".venv/bin/python"), "manage.py", *command], cwd=REPO, env=env, check=True)
    return {"database": database, "static": static}


def environment(database: Path, static: Path, *, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_", "CAREBOOK_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"sqlite:///{database}",
            "CAREBOOK_STATIC_ROOT": str(static),
            "CAREBOOK_DEMO_SEED": "false",
            "CAREBOOK_STOP_SECONDS": "60",
            "CAREBOOK_WORKERS": "1",
            "PORT": str(port),
        }
    )
    return env


@dataclass
class Running:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def run_script(prepared: dict[str, Path], tmp_path: Path) -> Iterator[Running]:
    database = tmp_path / "carebook.sqlite3"
    shutil.copy(prepared["database"], database)
    port = free_port()
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["bash", str(RUN)],
            cwd=REPO,
            env=environment(database, prepared["static"], port=port),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own session and process group, as `timeout` or a service manager gives
            preexec_fn=default_signals,  # resets two signal dispositions (single-threaded here)
        )
    running = Running(process, port, log)
    try:
        yield running
    finally:  # never leave a server behind, whatever the test found
        for pid in session_processes(process.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=30)


def wait_until_serving(running: Running) -> dict[int, str]:
    """Wait for an HTTP answer and for the whole worker; return the session's processes."""
    deadline = time.monotonic() + STARTUP_SECONDS
    url = f"http://127.0.0.1:{running.port}/sign-in/"
    while True:
        assert running.process.poll() is None, f"run.sh ended early:\n{running.output}"
        assert time.monotonic() < deadline, f"Not serving after {STARTUP_SECONDS} s:\n{running.output}"
        processes = session_processes(running.process.pid)
        workers = [cmd for cmd in processes.values() if "qcluster" in cmd]
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                answered = response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            answered = False
        if answered and len(workers) >= QCLUSTER_PROCESSES:
            time.sleep(1)  # let the worker's sentinel finish starting its pool
            return session_processes(running.process.pid)
        time.sleep(0.5)


def assert_all_gone(running: Running, before: dict[int, str]) -> None:
    deadline = time.monotonic() + STOP_WITHIN_SECONDS
    left = session_processes(running.process.pid)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = session_processes(running.process.pid)
    assert not left, (
        f"Still running {STOP_WITHIN_SECONDS} s after the signal: {left}\n(processes before: {before})\n"
        f"{running.output[-3000:]}"
    )
    running.process.wait(timeout=5)


@pytest.mark.parametrize(
    ("target", "signum"),
    [
        pytest.param("group", signal.SIGTERM, id="SIGTERM to the process group (timeout, a service manager)"),
        pytest.param("shell", signal.SIGINT, id="SIGINT to the run.sh shell alone"),
    ],
)
def test_make_run_serves_where_it_says_and_a_signal_stops_all_of_it(run_script, target, signum):
    before = wait_until_serving(run_script)
    # It prints the address it really serves (PORT), as gunicorn reports it.
    assert f"Carebook is at http://127.0.0.1:{run_script.port} " in run_script.output
    assert f"Listening at: http://127.0.0.1:{run_script.port}" in run_script.output
    assert sum("qcluster" in cmd for cmd in before.values()) >= QCLUSTER_PROCESSES
    assert sum("gunicorn" in cmd for cmd in before.values()) >= 3  # the master and two workers

    if target == "group":
        os.killpg(run_script.process.pid, signum)
    else:
        os.kill(run_script.process.pid, signum)

    assert_all_gone(run_script, before)
    assert "Stopping Carebook" in run_script.output
