"""Pictures of the schema: pure functions from `schemalint schema --format json`'s data
(model/dump.py) and optional change marks (erd/picture.py has their shape) to text —
Mermaid, Graphviz DOT, DBML, markdown. Running Graphviz for SVG is the command's job."""

from __future__ import annotations

from schemalint.erd import dbml, dot, markdown, mermaid
from schemalint.erd.focus import focus
from schemalint.erd.picture import COLUMN_MODES, picture

RENDERERS = {"mermaid": mermaid.render, "dot": dot.render, "dbml": dbml.render,
             "markdown": markdown.render}

__all__ = ["COLUMN_MODES", "RENDERERS", "focus", "picture"]
