"""Run pypacs as `python -m pypacs`."""

from pypacs.cli import app

app(prog_name="pypacs")
