"""`make demo`'s command on the embedded defaults: SQLite, the filesystem broker, a real worker."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT

pytestmark = pytest.mark.integration
SLUG = "armenia-breaks-up-alleged-russian-inspired-coup-attempt"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def embedded_env(instance: Path) -> dict[str, str]:
    # Nothing of the test backends: the demo must find its own defaults.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSDESK_")}
    env["TRANSDESK_INSTANCE_PATH"] = str(instance)
    return env


def test_demo_runs_the_whole_path_on_embedded_defaults(tmp_path: Path, app: object) -> None:
    port = free_port()
    env = embedded_env(tmp_path / "instance")
    log = (tmp_path / "demo.log").open("wb")
    demo = subprocess.Popen([sys.executable, "-m", "service.cli", "demo", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        health = None
        while time.monotonic() < deadline:
            try:
                health = requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert demo.poll() is None, (tmp_path / "demo.log").read_text()
                time.sleep(0.3)
        assert health is not None and health.status_code == 200, (tmp_path / "demo.log").read_text()
        assert health.json()["database"]["ok"] and health.json()["broker"]["ok"]
        output = (tmp_path / "demo.log").read_text()
        for line in (f"{base}/login", f"{base}/review/1/ru", f"{base}/en/{SLUG}", "editor@demo.transdesk",
                     "translator.ru@demo.transdesk", "reviewer.ru@demo.transdesk"):
            assert line in output, line
        assert "sqlite:///" in output and "filesystem://" in output

        # The worker process started by the demo drafts every segment with the labelled pseudo engine.
        states: dict[str, int] = {}
        while time.monotonic() < deadline:
            status = subprocess.run([sys.executable, "-m", "service.cli", "status", SLUG, "--json"], cwd=ROOT,
                                    env=env, capture_output=True, text=True, timeout=60)
            states = json.loads(status.stdout)["languages"]["ru"]["states"]
            if states["draft"] and not states["queued"]:
                break
            time.sleep(0.5)
        assert states["draft"] == 31 and states["queued"] == 0, states

        assert requests.get(f"{base}/en/{SLUG}", timeout=10).status_code == 200
        assert requests.get(f"{base}/login", timeout=10).status_code == 200
    finally:
        # Ctrl-C in a terminal: SIGINT to the whole process group stops the web server and the worker.
        os.killpg(demo.pid, signal.SIGINT)
        try:
            demo.wait(timeout=30)
        finally:
            log.close()
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path / "instance")], capture_output=True, text=True)
    assert leftovers.stdout.strip() == "", "processes left running after Ctrl-C"
