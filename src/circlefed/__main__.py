"""Run the circlefed CLI as `python -m circlefed`."""

from circlefed.cli.main import entry_point

entry_point()
