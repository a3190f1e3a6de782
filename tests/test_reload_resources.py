"""Reloads release what the old index held: after 20 reloads onto new versions (each old
version deleted, as a build deletes the one before the previous), the process has no more
open descriptors than after the first load, and none on a deleted file."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pytest

from api.settings import Settings
from api.state import ServiceState
from index.layout import current_dir

PROC_FD = Path("/proc/self/fd")


def _open_files() -> list[str]:
    out = []
    for fd in os.listdir(PROC_FD):
        with contextlib.suppress(OSError):  # the descriptor os.listdir itself used
            out.append(os.readlink(PROC_FD / fd))
    return out


@pytest.mark.skipif(not PROC_FD.is_dir(), reason="needs /proc (Linux)")
def test_twenty_reloads_do_not_grow_open_descriptors(small_index, tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    shutil.copytree(small_index[0], index_dir)
    state = ServiceState(Settings(index_dir=index_dir), small_index[1])
    state.load()
    before = _open_files()
    for i in range(20):
        old = current_dir(index_dir)
        new = index_dir / f"v-20990101T0000{i:02d}-000000"
        shutil.copytree(old, new)
        (index_dir / "CURRENT").write_text(new.name + "\n")
        assert state.load().version == new.name
        shutil.rmtree(old)
    after = _open_files()
    assert len(after) <= len(before), sorted(set(after) - set(before))
    held = [path for path in after if path.startswith(str(index_dir))]
    assert not [path for path in held if path.endswith("(deleted)")]  # no old version pinned
