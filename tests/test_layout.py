import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_core_never_imports_dagster_nor_duckdb():
    """core/ takes frames and the WikidataLookups interface: no Dagster, no database (storage/ and the
    resources hold DuckDB)."""
    offenders = []
    for path in (ROOT / "instructie_assets" / "core").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names
                          if n.split(".")[0].startswith(("dagster", "duckdb")) or n.startswith("instructie_assets.") and not n.startswith(("instructie_assets.core", "instructie_assets.paths"))]
    assert offenders == []


def test_importing_core_loads_no_database():
    """Every core module imported in a fresh process: DuckDB is not among the modules loaded (an
    import through another module counts too)."""
    modules = sorted(p.stem for p in (ROOT / "instructie_assets" / "core").glob("*.py") if p.stem != "__init__")
    code = ("import importlib, sys\n"
            f"for m in {modules!r}: importlib.import_module('instructie_assets.core.' + m)\n"
            "print(sorted(n for n in sys.modules if n.split('.')[0] in ('duckdb', 'dagster', 'dagster_duckdb')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_shipped_sample_matches_its_sources():
    result = subprocess.run([sys.executable, str(ROOT / "resources/sample/build_sample.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
