"""Documentation covers every setting and every CLI command (a missing one fails here)."""

import argparse
from pathlib import Path

from circlefed.cli.main import build_parser
from circlefed.settings import iter_settings

REPO = Path(__file__).resolve().parents[2]


def documentation() -> str:
    parts = [(REPO / "README.md").read_text()]
    parts += [path.read_text() for path in sorted((REPO / "docs").glob("*.md"))]
    return "\n".join(parts)


def cli_commands(parser: argparse.ArgumentParser, prefix: str = "circlefed") -> list[str]:
    commands = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                commands.append(f"{prefix} {name}")
                commands.extend(cli_commands(sub, f"{prefix} {name}"))
    return commands


def test_every_setting_is_documented():
    docs = documentation()
    missing = [f"{s}.{k}" for s, k, _, _ in iter_settings() if f"`{s}.{k}`" not in docs]
    assert not missing, f"settings missing from README.md/docs: {missing}"


def test_every_cli_command_is_documented():
    docs = documentation()
    missing = [command for command in cli_commands(build_parser()) if command not in docs]
    assert not missing, f"commands missing from README.md/docs: {missing}"
