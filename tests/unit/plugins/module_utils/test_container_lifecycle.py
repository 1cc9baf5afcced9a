"""The container lifecycle's plan: run states, force_kill, paused, cleanup, pull, the image knobs, ``changes`` and ``--diff``."""

from __future__ import annotations

import copy

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils import _containers as C
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError, EngineError

IMAGE = {'Id': 'sha256:img', 'Config': {'Cmd': ['sh'], 'Env': ['PATH=/bin'], 'Labels': {'from.image': 'z'}}}

RUNNING = {
    'Id': 'c0ffee', 'Name': '/web', 'Image': 'sha256:img',
    'State': {'Status': 'running', 'Running': True, 'Paused': False},
    'Config': {'Image': 'busybox', 'Cmd': ['sleep', '300'], 'Entrypoint': None, 'Env': ['A=1', 'PATH=/bin'],
               'Labels': {'x': 'y', 'from.image': 'z'}},
    'HostConfig': {'Memory': 67108864, 'MemorySwap': 134217728, 'NetworkMode': 'default',
                   'RestartPolicy': {'Name': 'no', 'MaximumRetryCount': 0}, 'AutoRemove': False},
    'NetworkSettings': {'Networks': {'bridge': {'Aliases': None, 'IPAMConfig': None}}},
}

BASE = {'name': 'web', 'state': 'started', 'image': 'busybox', 'pull': 'missing', 'restart': False,
        'recreate': False, 'keep_volumes': True, 'image_name_mismatch': 'recreate', 'image_comparison': 'desired-image',
        'image_label_mismatch': 'ignore', 'force_kill': False, 'cleanup': False}


class FakeClient:
    api_version = '1.41'

    def api_at_least(self, version):
        return tuple(int(p) for p in self.api_version.split('.')) >= tuple(int(p) for p in version.split('.'))

    def require_api(self, version, feature):
        if not self.api_at_least(version):
            raise EngineError('%s needs %s' % (feature, version))


_DEFAULT = object()


def plan(container=_DEFAULT, img=_DEFAULT, pulled=False, **kw):
    container = RUNNING if container is _DEFAULT else container
    img = IMAGE if img is _DEFAULT else img
    params = dict(BASE)
    params.update(kw)
    return C.plan(FakeClient(), C.prepare(params), container, img, pulled)


def with_state(**state):
    container = copy.deepcopy(RUNNING)
    container['State'].update(state)
    return container


def test_pull_true_false_mean_always_and_missing():
    assert [C.pull_policy({'pull': v}) for v in (True, False, 'true', 'no', None, 'never', 'always', 'missing')] == \
        ['always', 'missing', 'always', 'missing', 'missing', 'never', 'always', 'missing']
    with pytest.raises(ConfigurationError):
        C.pull_policy({'pull': 'sometimes'})


def test_force_kill_replaces_stop_everywhere():
    assert plan(state='stopped', force_kill=True).actions == ['kill']
    assert plan(state='absent', force_kill=True).actions == ['kill', 'remove']
    assert plan(recreate=True, force_kill=True).actions == ['create', 'kill', 'rename', 'start', 'remove']


def test_paused_and_unpaused():
    assert plan(container=None, paused=True).actions == ['create', 'start', 'pause']
    assert plan(paused=True).actions == ['pause']
    paused = with_state(Paused=True)
    assert plan(container=paused, paused=True).actions == []
    assert plan(container=paused, paused=False).actions == ['unpause']
    assert [(c['option'], c['action']) for c in plan(container=paused, paused=False).changes] == [('paused', 'unpaused')]
    # a paused container is unpaused before it is stopped, killed or removed
    assert plan(container=paused, state='stopped').actions == ['unpause', 'stop']
    assert plan(container=paused, state='absent').actions == ['unpause', 'stop', 'remove']
    assert plan(container=paused, recreate=True, paused=True).actions == \
        ['create', 'unpause', 'stop', 'rename', 'start', 'pause', 'remove']
    assert plan(container=paused, restart=True, paused=True).actions == ['unpause', 'restart', 'pause']
    # paused applies to state started only (docker_container)
    assert plan(state='present', paused=True).actions == []


def test_healthy_starts_like_started_and_restart():
    assert plan(container=None, state='healthy').actions == ['create', 'start']
    assert plan(container=with_state(Running=False, Status='exited'), state='healthy').actions == ['start']
    assert plan(state='healthy', restart=True).actions == ['restart']
    assert [(c['option'], c['action']) for c in plan(restart=True).changes] == [('restart', 'restarted')]


def test_detach_false_cleanup_follows_the_start():
    assert plan(container=None, detach=False, cleanup=True).actions == ['create', 'start', 'cleanup']
    assert plan(container=None, detach=False, cleanup=True, auto_remove=True).actions == ['create', 'start']
    # nothing is started, so nothing runs to completion and nothing is cleaned up
    assert plan(detach=False, cleanup=True).actions == []


def test_present_leaves_a_recreated_container_created():
    assert plan(state='present', recreate=True).actions == ['create', 'stop', 'rename', 'remove']
    assert plan(state='started', recreate=True).actions == ['create', 'stop', 'rename', 'start', 'remove']


def test_image_id_name_and_ignore():
    other = dict(IMAGE, Id='sha256:new')
    assert [(c['option'], c['action']) for c in plan(img=other).changes] == [('image', 'recreated')]
    assert plan(img=other, comparisons={'image': 'ignore'}).actions == []
    assert plan(image='docker.io/library/busybox:latest').actions == []  # one name, two spellings
    renamed = plan(image='other/name:1')
    assert [(c['option'], c['action']) for c in renamed.changes] == [('image_name', 'recreated')]
    assert plan(image_name_mismatch='ignore', image='other/name:1').actions == []
    pulled = plan(pulled=True)
    assert pulled.actions == ['pull'] and pulled.changes[0]['action'] == 'pulled'


def test_image_label_mismatch_fail():
    with pytest.raises(ConfigurationError) as err:
        C._check_lifecycle(dict(BASE, labels={'x': 'y'}, comparisons={'labels': 'strict'}, image_label_mismatch='fail'),
                           IMAGE)
    assert 'from.image' in err.value.msg
    C._check_lifecycle(dict(BASE, labels={'x': 'y', 'from.image': 'z'}, comparisons={'labels': 'strict'},
                            image_label_mismatch='fail'), IMAGE)
    C._check_lifecycle(dict(BASE, labels={'x': 'y'}, image_label_mismatch='fail'), IMAGE)  # allow_more_present


def test_changes_and_diff_hold_just_the_changed_options():
    update = plan(memory='96m', env={'A': '1'})
    assert update.changes == [{'option': 'memory', 'wanted': 100663296, 'actual': 67108864, 'comparison': 'strict',
                               'action': 'updated'}]
    view = C._diff_view({}, RUNNING, dict(BASE), update)
    assert view['before'] == {'memory': 67108864} and view['after'] == {'memory': 100663296}
    assert view['differences'] == [{'memory': {'parameter': 100663296, 'container': 67108864}}]
    recreate = plan(memory='96m', env={'A': 'secret', 'B': 'x'})
    assert sorted((c['option'], c['action']) for c in recreate.changes) == [('env', 'recreated'), ('memory', 'recreated')]
    env = next(c for c in recreate.changes if c['option'] == 'env')
    assert env['wanted'] == {'A': '<hidden, changed>', 'B': '<hidden, changed>'}
    assert env['actual'] == {'A': '<hidden>', 'B': None}
    view = C._diff_view({}, RUNNING, dict(BASE), recreate)
    assert set(view['before']) == set(view['after']) == {'memory', 'env'}
    assert 'secret' not in str(view) and 'secret' not in str(recreate.changes)


def test_changes_of_run_states():
    stopped = with_state(Running=False, Status='exited')
    assert plan(container=None).changes[0]['action'] == 'created'
    start = plan(container=stopped)
    assert [(c['option'], c['wanted'], c['actual'], c['action']) for c in start.changes] == \
        [('state', 'started', 'exited', 'started')]
    view = C._diff_view({}, stopped, dict(BASE), start)
    assert view == {'before': {'running': False}, 'after': {'running': True}}
    assert [c['action'] for c in plan(state='stopped').changes] == ['stopped']
    gone = plan(state='absent')
    assert [c['action'] for c in gone.changes] == ['removed']
    assert C._diff_view({}, RUNNING, dict(BASE, state='absent'), gone) == {
        'before': {'exists': True, 'running': True}, 'after': {'exists': False, 'running': False}}
