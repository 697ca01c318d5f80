import subprocess
import sys


def test_data_layer_imports_no_qt():
    code = (
        "import sys, desktop.db, desktop.models, desktop.services, desktop.search, desktop.cli, desktop.checks,"
        " desktop.demo, desktop.backups, desktop.drafts, desktop.errorlog, desktop.dashboard_data, desktop.urls,"
        " desktop.scripts, desktop.claims_plans,"
        " desktop.exchange.claims_csv, desktop.exchange.package, desktop.exchange.claimreview,"
        " desktop.exchange.importer, desktop.exchange.cli_export, desktop.exchange.cli_import;"
        "bad = sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken')));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_help_answers_without_qt():
    for argv in (["-m", "desktop", "--help"],):
        result = subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0
        assert "exit codes" in result.stdout


def test_every_package_ships_in_the_wheel():
    """pyproject lists packages explicitly (resources/ is mapped in); a new subpackage must be listed too.

    The tests import from the source tree, so a missing entry would only show after a real install.
    """
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(root).parts)
        for init in (root / "desktop").rglob("__init__.py")
    }
    assert on_disk - listed == set(), f"packages missing from pyproject.toml: {sorted(on_disk - listed)}"
    assert "desktop.resources" in listed
