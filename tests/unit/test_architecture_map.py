"""docs/architecture.md stays the map of the house: every room, every part of federation, every service and
every root module that exists is named there (a new one fails here until the map says what it holds)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "src" / "circlefed"
MAP = (REPO / "docs" / "architecture.md").read_text()


def _packages(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if (p / "__init__.py").is_file())


def test_every_room_is_drawn_with_its_arrows():
    arrows = MAP.split("```")[1]
    drawn = set()
    for line in arrows.splitlines():
        layer = re.split(r"\s{2,}", line.strip())[0]
        drawn |= {name.strip() for name in layer.split("|") if name.strip()}
    assert set(_packages(PACKAGE)) | {"app"} <= drawn, "a room docs/architecture.md does not draw"


def test_every_part_of_federation_is_on_the_map():
    for part in _packages(PACKAGE / "federation"):
        assert f"`federation/{part}/`" in MAP, f"federation/{part}/ is not on docs/architecture.md"
    for module in sorted((PACKAGE / "federation").glob("*.py")):
        if module.stem != "__init__":
            assert f"`{module.name}`" in MAP, f"federation/{module.name} is not on docs/architecture.md"


def test_every_service_module_is_on_the_map():
    for module in sorted((PACKAGE / "services").glob("*.py")):
        if module.stem != "__init__":
            assert f"`{module.name}`" in MAP, f"services/{module.name} is not on docs/architecture.md"


def test_every_root_module_is_on_the_map():
    for module in sorted(PACKAGE.glob("*.py")):
        if module.stem not in ("__init__", "app", "__main__"):
            assert f"`{module.stem}`" in MAP, f"{module.name} is not on docs/architecture.md"
    assert "`__main__.py`" in MAP


def test_web_and_cli_open_no_transaction():
    """They parse and render; a change that needs a transaction is a function in services/ (the map says so)."""
    for room in ("web", "cli"):
        for module in sorted((PACKAGE / room).rglob("*.py")):
            assert "in_transaction" not in module.read_text(), f"{module.relative_to(PACKAGE)} opens a transaction"


def test_no_module_grows_past_400_lines():
    """Small cohesive modules: past 400 lines a module holds more than one thing; split it by subject."""
    for module in sorted(PACKAGE.rglob("*.py")):
        lines = len(module.read_text().splitlines())
        assert lines <= 400, f"{module.relative_to(PACKAGE)} has {lines} lines"
