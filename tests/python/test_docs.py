"""The docs site builds offline and strictly, and nothing in the repository points outside it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")


def test_docs_build_strictly(tmp_path: Path) -> None:
    """mkdocs --strict fails on a broken link, a missing page or an unresolvable API reference."""
    pytest.importorskip("mkdocstrings", reason="docs tools come with lenslab's test extras")
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, env={"NO_MKDOCS_2_WARNING": "1", "PATH": ""},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    # The reference is generated from the docstrings, not written by hand.
    assert "Run <code>model</code> once on <code>inputs</code>" in api
    assert "ValidationReport" in api and "LayerPass" in api
    assert (site / "images" / "tour-selected.png").stat().st_size > 10_000
    assert (site / "guides" / "validation" / "index.html").is_file()


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    names = listed.stdout.split() if listed.returncode == 0 else []
    suffixes = {".md", ".py", ".ts", ".mjs", ".toml", ".yml", ".json", ".sh", ".ipynb", ""}
    return [ROOT / n for n in names if Path(n).suffix in suffixes and (ROOT / n).is_file()]


def test_nothing_points_outside_the_repository() -> None:
    files = _tracked_text_files()
    if not files:
        pytest.skip("not a git checkout")
    outside = [
        str(f.relative_to(ROOT))
        for f in files
        if f.name != "test_docs.py" and "../shared" in f.read_text(encoding="utf-8", errors="ignore")
    ]
    assert outside == []


@pytest.mark.parametrize("page", ["README.md", "CONTRIBUTING.md"])
def test_readme_links_resolve_inside_the_repository(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    for target in LINK.findall(text):
        if "://" in target:
            continue
        resolved = (ROOT / target).resolve()
        assert resolved.is_relative_to(ROOT), f"{page} links outside the repository: {target}"
        assert resolved.exists(), f"{page} links to a missing file: {target}"
