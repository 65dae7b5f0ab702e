"""Alembic migrations: the models and the migrations agree, and they run down and up on SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from tests.conftest import ROOT

pytestmark = pytest.mark.integration


def test_models_match_the_migrated_schema(app: Any) -> None:
    from service.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_migrations_downgrade_and_upgrade_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    env = {**os.environ, "TRANSDESK_DATABASE_URL": url, "TRANSDESK_INSTANCE_PATH": str(tmp_path)}

    def db_command(*args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "service.cli", "db", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

    db_command("upgrade")
    tables = set(inspect(create_engine(url)).get_table_names())
    assert {"articles", "blocks", "segments", "translations", "events", "language_versions", "snapshots",
            "users"} <= tables
    db_command("downgrade", "base")
    assert set(inspect(create_engine(url)).get_table_names()) <= {"alembic_version"}
    db_command("upgrade")
    assert "translations" in set(inspect(create_engine(url)).get_table_names())
