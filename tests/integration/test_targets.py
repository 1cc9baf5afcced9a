"""Every target under tests/integration/targets, against each daemon it lists."""

from __future__ import annotations

import pytest

from conftest import all_targets, run_target


@pytest.mark.parametrize(('target', 'daemon'), all_targets(), ids=['%s-%s' % p for p in all_targets()])
def test_target(target: str, daemon: str) -> None:
    proc = run_target(target, daemon)
    assert proc.returncode == 0, 'target %s failed on %s:\n%s\n%s' % (target, daemon, proc.stdout[-20000:], proc.stderr[-5000:])
