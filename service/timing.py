"""``Server-Timing: app;dur=<ms>`` on a blueprint's responses: the time spent in the app, which the benchmarks
(bench/reader.py, bench/ui.py) read so that queueing in the server and the client's own cost stay out of it."""

from __future__ import annotations

import time

from flask import Blueprint, Response, g


def add_server_timing(bp: Blueprint) -> None:
    """Time every request the blueprint handles, from its first before_request hook to its after_request."""

    @bp.before_request
    def _start_timer() -> None:
        g.server_timing_started = time.perf_counter()

    @bp.after_request
    def _server_timing(response: Response) -> Response:
        started = g.get("server_timing_started")
        if started is not None:
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
        return response
