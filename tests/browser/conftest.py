"""Playwright + the system's Chromium against ``live_server``; axe-core from ``node_modules``.

Needs: Debian's ``chromium`` (``/usr/bin/chromium`` or ``TRANSDESK_CHROMIUM``), the ``playwright`` Python package
(its bundled browsers are never used) and ``npm install`` (axe-core in ``node_modules/axe-core``). Under
``CI=true`` a missing piece fails the tests; elsewhere they are skipped with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, missing_tool

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "browser"


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        missing_tool(f"{AXE.relative_to(ROOT)} is missing (run npm install at the repository root)")
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Any:
    """``shots(page, "step")`` saves test-artifacts/browser/<test>-NN-step.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    counter = iter(range(1, 100))

    def shoot(page: Any, step: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{next(counter):02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot
