"""README's first command works in a fresh clone that has nothing beside it (no
../shared/seeds): set-up, index build and a search, in a temporary folder.

Marked slow (a new .venv and an index build: a few minutes with pip's and the embedding
cache warm, about 5 more on a cold machine); CI runs it (``pytest -m slow``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def readme_first_command() -> str:
    """The first command line of README's first bash block."""
    block = re.search(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert block is not None
    return next(
        line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")
    )


def _git(*args: str, cwd: Path) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_readme_first_command_in_a_fresh_clone(tmp_path: Path) -> None:
    commit = _git("rev-parse", "HEAD", cwd=ROOT)
    clone = tmp_path / "medcode"
    _git("clone", "--quiet", "--no-checkout", str(ROOT), str(clone), cwd=tmp_path)
    _git("checkout", "--quiet", commit, cwd=clone)
    assert not (clone.parent / "shared").exists()  # no sample pages beside it
    command = readme_first_command()
    assert command.startswith("scripts/setup && ") and "medcode search" in command
    # the index goes to a temporary folder (the README's default is the user's cache);
    # the exported model and embedding cache are shared, as on any machine that has them
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["MEDCODE_INDEX_DIR"] = str(tmp_path / "index")
    done = subprocess.run(
        ["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True, timeout=1800
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "== ICD-10-PCS" in done.stdout and "== ICD-10-CM" in done.stdout
    assert "== CPT" not in done.stdout  # no CPT pages were given
    assert (tmp_path / "index" / "CURRENT").is_file()
