"""Every target under tests/integration/targets, against each daemon it lists."""

from __future__ import annotations

import pytest

from conftest import HERE, all_targets, run_target, target_daemons

ENGINES = {'d20', 'd26', 'd28'}  # 20.10 (API 1.41), 26.1 (1.45), 28.5 (1.51): the README promises all three


def test_every_target_runs_on_the_three_engines() -> None:
    targets = sorted(p.parent.parent.name for p in (HERE / 'targets').glob('*/tasks/main.yml'))
    assert targets, 'no integration targets found'
    missing = {t: sorted(ENGINES - set(target_daemons(t))) for t in targets if not ENGINES <= set(target_daemons(t))}
    assert not missing, 'targets not run on every engine: %s' % missing


@pytest.mark.parametrize(('target', 'daemon'), all_targets(), ids=['%s-%s' % p for p in all_targets()])
def test_target(target: str, daemon: str) -> None:
    proc = run_target(target, daemon)
    assert proc.returncode == 0, 'target %s failed on %s:\n%s\n%s' % (target, daemon, proc.stdout[-20000:], proc.stderr[-5000:])
