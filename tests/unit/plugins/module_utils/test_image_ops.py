"""The decisions of image_pull/push/tag/remove, with the daemon and registry calls of ``_images`` replaced."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils import _image_ops as ops
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError

A = 'sha256:' + 'a' * 64
B = 'sha256:' + 'b' * 64


class FakeDaemon:
    """Images by name; records what would change the daemon."""

    def __init__(self, images: dict[str, dict[str, t.Any]]) -> None:
        self.images = images
        self.calls: list[tuple[t.Any, ...]] = []

    def inspect(self, _client: t.Any, name: str) -> dict[str, t.Any] | None:
        return self.images.get(name)

    def tag(self, _client: t.Any, source: str, target: t.Any) -> None:
        self.calls.append(('tag', source, str(target)))
        self.images[str(target)] = {'Id': source}

    def delete(self, path: str, params: dict[str, t.Any]) -> list[dict[str, str]]:
        self.calls.append(('delete', path, params))
        return [{'Untagged': 'app:1'}, {'Deleted': A}]


@pytest.fixture
def daemon(monkeypatch: pytest.MonkeyPatch) -> FakeDaemon:
    fake = FakeDaemon({'app:1': {'Id': A, 'RepoTags': ['app:1'], 'Os': 'linux', 'Architecture': 'amd64'},
                       'other:latest': {'Id': B, 'RepoTags': ['other:latest']}, A: {'Id': A, 'RepoTags': ['app:1']}})
    monkeypatch.setattr(ops, 'inspect_image', fake.inspect)
    monkeypatch.setattr(ops, 'tag_image', fake.tag)

    def no_pull(*args: t.Any) -> list[str]:
        fake.calls.append(('pull',) + args[1:])
        return []
    monkeypatch.setattr(ops, 'pull_image', no_pull)
    return fake


class Client:
    def __init__(self, fake: FakeDaemon) -> None:
        self.delete = fake.delete


def test_tag_is_idempotent_and_keep_leaves_other_images(daemon: FakeDaemon) -> None:
    params = {'name': 'app', 'tag': '1', 'repository': ['app:1', 'other:latest', 'new'], 'existing_images': 'keep'}
    result = ops.image_tag(Client(daemon), params, False, True)
    assert result['tagged_images'] == ['new:1'] and result['changed'] is True
    assert daemon.calls == [('tag', A, 'new:1')]
    assert result['diff']['after']['tags'] == {'app:1': A, 'other:latest': B, 'new:1': A}
    again = ops.image_tag(Client(daemon), dict(params, existing_images='overwrite', repository=['other:latest']), True, False)
    assert again['tagged_images'] == ['other:latest'] and len(daemon.calls) == 1  # check mode: nothing done


def test_tag_refuses_missing_source_and_digest_target(daemon: FakeDaemon) -> None:
    with pytest.raises(ConfigurationError, match='no such image'):
        ops.image_tag(Client(daemon), {'name': 'gone', 'tag': 'latest', 'repository': ['x']}, False, False)
    with pytest.raises(ConfigurationError, match='digest'):
        ops.image_tag(Client(daemon), {'name': 'app:1', 'tag': 'latest', 'repository': ['x@' + A]}, False, False)


def test_pull_not_present_skips_unless_platform_differs(daemon: FakeDaemon) -> None:
    params = {'name': 'app', 'tag': '1', 'pull': 'not_present', 'platform': None}
    assert ops.image_pull(Client(daemon), params, False, False)['changed'] is False
    assert ops.image_pull(Client(daemon), dict(params, platform='linux/amd64'), False, False)['changed'] is False
    assert daemon.calls == []
    planned = ops.image_pull(Client(daemon), dict(params, platform='linux/arm64'), True, False)
    assert planned['changed'] is True and daemon.calls == []
    ops.image_pull(Client(daemon), dict(params, platform='linux/arm64'), False, False)
    assert daemon.calls[0][0] == 'pull' and daemon.calls[0][-1] == 'linux/arm64'


def test_pull_check_mode_asks_the_registry(daemon: FakeDaemon, monkeypatch: pytest.MonkeyPatch) -> None:
    params = {'name': 'app:1', 'tag': 'latest', 'pull': 'always', 'platform': None}
    for newer, changed in ((False, False), (True, True), (None, True)):
        monkeypatch.setattr(ops, 'registry_is_newer', lambda *args, n=newer: (n, None, 'offline'))
        result = ops.image_pull(Client(daemon), params, True, False)
        assert result['changed'] is changed
        assert ('warnings' in result) is (newer is None)


def test_remove_absent_check_and_real(daemon: FakeDaemon) -> None:
    absent = ops.image_remove(Client(daemon), {'name': 'gone', 'tag': 'latest', 'force': False, 'prune': True}, False, False)
    assert absent == {'changed': False, 'image': {}, 'deleted': [], 'untagged': []}
    params = {'name': 'app', 'tag': '1', 'force': False, 'prune': False}
    planned = ops.image_remove(Client(daemon), params, True, False)
    assert planned['changed'] is True and planned['untagged'] == ['app:1'] and planned['deleted'] == [A]
    assert daemon.calls == []
    done = ops.image_remove(Client(daemon), params, False, False)
    assert done['deleted'] == [A] and done['untagged'] == ['app:1']
    assert daemon.calls == [('delete', '/images/app:1', {'force': False, 'noprune': True})]


def test_push_refuses_ids_and_missing_images(daemon: FakeDaemon) -> None:
    with pytest.raises(ConfigurationError, match='image ID'):
        ops.image_push(Client(daemon), {'name': A, 'tag': 'latest'}, False, False)
    with pytest.raises(ConfigurationError, match='no image of that name'):
        ops.image_push(Client(daemon), {'name': 'gone', 'tag': 'latest'}, False, False)


def test_lookup_keeps_ids_and_adds_the_tag() -> None:
    assert ops._lookup({'name': A, 'tag': 'x'}) == A
    assert ops._lookup({'name': 'a' * 12, 'tag': 'x'}) == 'a' * 12
    assert ops._lookup({'name': 'app', 'tag': 'x'}) == 'app:x'
    assert ops._lookup({'name': 'app:1', 'tag': 'x'}) == 'app:1'
