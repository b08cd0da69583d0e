"""docs/architecture.md stays the map of the house: every room, every part of federation and every root module
that exists is named there (a new one fails here until the map says what it holds)."""

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


def test_every_root_module_is_on_the_map():
    for module in sorted(PACKAGE.glob("*.py")):
        if module.stem not in ("__init__", "app", "__main__"):
            assert f"`{module.stem}`" in MAP, f"{module.name} is not on docs/architecture.md"
    assert "`__main__.py`" in MAP
