import subprocess
import sys


def test_data_layer_imports_no_qt():
    code = (
        "import sys, desktop.db, desktop.models, desktop.services, desktop.search, desktop.cli, desktop.checks;"
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
