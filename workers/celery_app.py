"""The Celery application for worker and beat processes: ``celery -A workers.celery_app``.

The Flask app is created here, in the entry point, never in task modules; every task runs inside
its app context through the task base class set up by ``service.extensions.celery_init_app``.
"""

from __future__ import annotations

import logging

from celery import signals

from service import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]

# Registering the tasks on this app: shared_task binds to the default app set above.
import workers.tasks.bench  # noqa: E402,F401
import workers.tasks.maintenance  # noqa: E402,F401
import workers.tasks.translate  # noqa: E402,F401


@signals.worker_ready.connect
def _announce(**_kwargs: object) -> None:
    # Say where this worker reads and writes: a worker on the wrong database is otherwise silent.
    with flask_app.app_context():
        from service.extensions import db

        logging.getLogger(__name__).info("transdesk worker: database %s, engine %s",
                                         db.engine.url.render_as_string(hide_password=True),
                                         flask_app.config["TRANSDESK_MT_ENGINE"])
