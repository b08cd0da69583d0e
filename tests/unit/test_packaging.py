"""The package as an administrator installs it: built without warnings, holding every template and migration."""

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_wheel_builds_quietly_and_holds_every_template_and_migration(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, built.stderr
    assert "warning" not in (built.stdout + built.stderr).lower(), built.stdout + built.stderr
    (wheel,) = tmp_path.glob("circlefed-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {f"circlefed/templates/{p.relative_to(REPO / 'templates')}" for p in (REPO / "templates").rglob("*")
                 if p.is_file()}
    migrations = {f"circlefed/migrations/{p.name}" for p in (REPO / "migrations").glob("*.py")}
    assert templates - names == set() and migrations - names == set()
    source = REPO / "src" / "circlefed"
    modules = {f"circlefed/{p.relative_to(source)}" for p in source.rglob("*.py")}
    assert modules - names == set(), "modules the wheel leaves out (pyproject.toml's packages)"
