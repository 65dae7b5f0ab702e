"""The bench's baseline: a bare Flask page (no database, no templates), served like the reader site.

Run by ``bench/reader.py`` as ``gunicorn bare_app:app`` (with ``--chdir bench``).
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)

PAGE = "<!DOCTYPE html><html lang=\"en\"><head><title>Bare</title></head><body><p>Hello, reader.</p></body></html>"


@app.route("/bare")
def bare() -> str:
    return PAGE
