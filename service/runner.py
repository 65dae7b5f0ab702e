"""Starting the processes: Celery worker/beat and the web server (used by the CLI and the demo)."""

from __future__ import annotations

import os
import subprocess
import sys

CELERY_APP = "workers.celery_app"  # named, not imported: service never imports workers


def celery_argv(kind: str, extra: list[str]) -> list[str]:
    argv = [sys.executable, "-m", "celery", "-A", CELERY_APP, kind, "--loglevel", "INFO"]
    if kind == "beat":
        from service.config import instance_dir

        argv += ["--schedule", str(instance_dir() / "celerybeat-schedule")]
    return argv + extra


def exec_celery(kind: str, extra: list[str]) -> None:
    argv = celery_argv(kind, extra)
    if os.name == "posix":
        os.execv(argv[0], argv)
    sys.exit(subprocess.call(argv))


def start_celery(kind: str, extra: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(celery_argv(kind, extra))


def serve(host: str, port: int | None, workers: int) -> None:
    port = port or int(os.environ.get("PORT", "5000"))
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        from service import create_app

        create_app().run(host=host, port=port, threaded=True, use_reloader=False)
        return
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(workers),
            "--access-logfile", "-", "service:create_app()"]
    os.execv(argv[0], argv)
