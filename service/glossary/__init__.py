"""The glossary: terms per language pair, their matcher, CSV/TBX exchange, views and commands."""
