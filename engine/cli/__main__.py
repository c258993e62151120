"""``python -m engine.cli``: the ``talentgraph`` command line."""

from engine.cli import app

if __name__ == "__main__":
    app()
