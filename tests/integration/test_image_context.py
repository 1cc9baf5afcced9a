"""image_build's build context against the docker CLI's classic builder, on the same daemon.

For each case the same directory is built twice, first by image_build, then by
`DOCKER_BUILDKIT=0 docker build`. The Dockerfile starts with a LABEL unique to the run (so no older
image can serve as cache), copies the whole context and lists it. The CLI's COPY step must then come
from the cache our build made: the classic builder keys that cache on a hash of every file's header
(name, mode, owner, type, link target) and content, so a hit proves that both tools sent the same
files. On a miss, the CLI's listing is compared with ours to show the difference.

A second test checks that the module's peak memory does not grow with the context size.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
import uuid

import pytest

from conftest import ROOT, docker_cli, harness, run_module

sys.path.insert(0, str(ROOT / 'bench'))

from image_build_memory import collections_root, make_context, run_module_measured  # noqa: E402

sys.path.insert(0, collections_root())

from ansible_collections.dockerapi.engine.plugins.module_utils import _context, _images  # noqa: E402
from ansible_collections.dockerapi.engine.plugins.module_utils._context import context_file_list  # noqa: E402
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import execute  # noqa: E402

DAEMON = 'd28'
LIST_STEP = 'RUN echo BEGIN-LIST && cd /ctx && find . -mindepth 1 | sort && echo END-LIST'

# name -> (files: path -> content (None: directory; ('link', target); ('hard', other)), .dockerignore, dockerfile)
CASES: dict[str, tuple[dict[str, object], str | None, str]] = {
    'plain': ({
        'a.txt': 'a\n', 'dir/b.txt': 'b\n', 'dir/sub/c.txt': 'c\n', 'emptydir': None,
        'link': ('link', 'a.txt'), 'hard': ('hard', 'a.txt'), 'space name.txt': 's\n', 'unïcode.txt': 'u\n',
        'run.sh': ('exec', '#!/bin/sh\n'), '.hidden': 'h\n',
    }, None, 'Dockerfile'),
    'globs': ({
        'a.log': '1', 'keep.log': '2', 'x.tmp': '3', 'deep/y.tmp': '4', 'deep/z.txt': '5', 'build/out.bin': '6',
        'abs.txt': '7', 'dot.txt': '8', '#notcomment': '9', 'docs/readme.md': '10', 'docs/keep.md': '11',
        'a.cfg': '12', 'ab.cfg': '13', 'a.ini': '14', 'c.ini': '15', 'sub/x': '16', 'sub/y': '17',
        'sub/dir/z': '18', 'comment': '19',
    }, '# comment\n*.log\n**/*.tmp\n!keep.log\nbuild/\n/abs.txt\n./dot.txt\n #notcomment\n\n   \ndocs\n'
       '!docs/keep.md\n?.cfg\n[ab].ini\nsub/*\n!sub/x\n', 'Dockerfile'),
    'everything': ({'src/main.c': 'm', 'src/lib/util.c': 'u', 'other.txt': 'o', 'more/x': 'x'},
                   '*\n!src\n', 'Dockerfile'),
    'build-files': ({'README.md': 'r', 'app.py': 'a', 'docs/x.md': 'x'},
                    'Dockerfile\n.dockerignore\n*.md\n', 'Dockerfile'),
    'dockerfile-in-excluded-dir': ({'docker/other': 'o', 'app.txt': 'a', 'docker/conf/x': 'x'},
                                   'docker\n', 'docker/Dockerfile.dev'),
    'skipdir': ({'foo/keep': 'k', 'foo/x': 'x', 'bar/keep': 'b', 'bar/y': 'y', 'foo2/keep': 'f'},
                'foo\nbar/y\n!**/keep\n', 'Dockerfile'),
    'doublestar': ({'node_modules/x': 'x', 'web/node_modules/y': 'y', 'a/c': '1', 'a/b/c/keep': '2',
                    'a/b/c/drop': '3', 'a/b/d': '4', 'crlf.txt': '5', 'trail/x': '6'},
                   '**/node_modules\r\na/**/c\r\n!a/b/c/keep\r\n/dir/../crlf.txt\r\ntrail/\r\n', 'Dockerfile'),
}


def _write_case(root: str, files: dict[str, object], ignore: str | None, dockerfile: str, image: str,
                label: str = 'none') -> None:
    for rel, content in files.items():
        path = os.path.join(root, rel)
        if content is None:
            os.makedirs(path, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if isinstance(content, tuple):
            kind, value = content
            if kind == 'link':
                os.symlink(value, path)
            elif kind == 'hard':
                os.link(os.path.join(root, value), path)
            else:
                with open(path, 'w') as handle:
                    handle.write(value)
                os.chmod(path, 0o755)
            continue
        with open(path, 'w') as handle:
            handle.write(str(content))
    if ignore is not None:
        with open(os.path.join(root, '.dockerignore'), 'w', newline='') as handle:
            handle.write(ignore)
    os.makedirs(os.path.dirname(os.path.join(root, dockerfile)), exist_ok=True)
    with open(os.path.join(root, dockerfile), 'w') as handle:
        handle.write('FROM %s\nLABEL dockerapi.test=%s\nCOPY . /ctx\n%s\n' % (image, label, LIST_STEP))


def _listing(lines: list[str]) -> list[str]:
    start = lines.index('BEGIN-LIST')
    return lines[start + 1:lines.index('END-LIST', start)]


@pytest.fixture(scope='module')
def daemon() -> dict:
    return harness()['daemons'][DAEMON]


@pytest.fixture
def cli_classic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv('DOCKER_BUILDKIT', '0')


@pytest.mark.parametrize('case', sorted(CASES))
def test_context_matches_docker_cli(case: str, daemon: dict, tmp_path, cli_classic: None) -> None:
    files, ignore, dockerfile = CASES[case]
    root = str(tmp_path / 'ctx')
    os.makedirs(root)
    prefix = 'it-imgctx-%s-%s' % (case, uuid.uuid4().hex[:6])
    _write_case(root, files, ignore, dockerfile, harness()['test_image'], label=prefix)
    ours, cli_tag = prefix + ':ours', prefix + ':cli'
    try:
        result = run_module('image_build', {'docker_host': daemon['docker_host'], 'path': root, 'name': ours,
                                            'dockerfile': dockerfile, 'forcerm': True})
        assert not result.get('failed'), result.get('msg')
        our_list = _listing(result['log'])
        # What reached the image is what we selected: the daemon may drop the build files (when
        # excluded) and creates the parent directories of entries sent without their directory.
        sent = set(context_file_list(root, dockerfile))
        in_image = {p[2:] for p in our_list}
        assert sent - {'Dockerfile', '.dockerignore', dockerfile} <= in_image
        parents = {'/'.join(p.split('/')[:i]) for p in sent for i in range(1, p.count('/') + 1)}
        assert in_image - sent <= parents

        cli = docker_cli(daemon, 'build', '--force-rm', '-t', cli_tag, '-f', os.path.join(root, dockerfile), root)
        copy_step = cli.stdout.split('COPY . /ctx', 1)[1].split('Step 4/4', 1)[0]
        if 'Using cache' not in copy_step:
            assert our_list == _listing(cli.stdout.splitlines()), 'different file lists'
            pytest.fail('same file list, but the CLI did not reuse our COPY step: some header differs\n' + cli.stdout)
        assert docker_cli(daemon, 'image', 'inspect', '--format', '{{.Id}}', cli_tag).stdout.strip() == result['image_id']
    finally:
        docker_cli(daemon, 'image', 'rm', '-f', ours, cli_tag, check=False)


def test_expected_selection(tmp_path) -> None:
    """A few outcomes spelled out, so a change in both tools at once would not go unnoticed."""
    root = str(tmp_path / 'ctx')
    os.makedirs(root)
    files, ignore, dockerfile = CASES['skipdir']
    _write_case(root, files, ignore, dockerfile, 'scratch')
    assert context_file_list(root) == ['.dockerignore', 'Dockerfile', 'bar', 'bar/keep', 'foo2', 'foo2/keep']


def test_bad_pattern_fails_before_sending(daemon: dict, tmp_path, cli_classic: None) -> None:
    root = str(tmp_path / 'ctx')
    _write_case(root, {'a': 'a'}, 'ok\n[unclosed\n', 'Dockerfile', harness()['test_image'])
    name = 'it-imgctx-bad-%s:1' % uuid.uuid4().hex[:6]
    result = run_module('image_build', {'docker_host': daemon['docker_host'], 'path': root, 'name': name})
    assert result.get('failed')
    assert "pattern '[unclosed'" in result['msg'] and 'not valid' in result['msg'], result['msg']
    assert 'Traceback' not in result.get('exception', '')
    cli = docker_cli(daemon, 'build', '-t', name, root, check=False)
    assert cli.returncode != 0  # the docker CLI refuses the same .dockerignore
    assert docker_cli(daemon, 'image', 'ls', '-q', name.split(':', maxsplit=1)[0]).stdout.strip() == ''


def test_peak_memory_does_not_grow_with_the_context(daemon: dict, tmp_path) -> None:
    """The module process's peak RSS for 200 MiB of context stays within a few MiB of 10 MiB's."""
    image = harness()['test_image']
    name = 'it-imgmem-%s' % uuid.uuid4().hex[:6]
    peaks = {}
    try:
        for size in (10, 200):
            root = str(tmp_path / ('ctx%d' % size))
            make_context(root, size, image, random_share=0.05)
            rss, _seconds, result = run_module_measured(
                {'path': root, 'name': '%s:%d' % (name, size), 'docker_host': daemon['docker_host']})
            assert not result.get('failed'), result.get('msg')
            assert result['context']['bytes_sent'] > size * 1024 * 1024
            peaks[size] = rss
    finally:
        docker_cli(daemon, 'image', 'rm', '-f', '%s:10' % name, '%s:200' % name, check=False)
    # Generous: a buffered context would add 200 MiB here; streaming adds (almost) nothing.
    assert peaks[200] < peaks[10] * 1.25 + 8 * 1024, peaks


class _UploadRecorder:
    """A unix-socket proxy in front of the daemon recording, for every piece of the upload it receives,
    how many bytes of context file content the module had read from disk at that moment."""

    def __init__(self, upstream: str, read_counter: list) -> None:
        self.upstream = upstream
        self.read_counter = read_counter
        self.dir = tempfile.mkdtemp(prefix='dockerapi-upload-')
        self.path = os.path.join(self.dir, 'proxy.sock')
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(self.path)
        self.server.listen(4)
        self.samples: list[tuple[int, int]] = []  # (bytes received so far on a /build connection, bytes read)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, dummy = self.server.accept()
            except OSError:
                return
            up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            up.connect(self.upstream)
            threading.Thread(target=self._pump, args=(up, client, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(client, up, True), daemon=True).start()

    def _pump(self, src, dst, upload: bool) -> None:
        received = 0
        is_build = False
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if upload:
                    if received == 0 or b'POST /' in data[:64]:
                        is_build = b'/build?' in data.split(b'\r\n', 1)[0]
                        received = 0
                    received += len(data)
                    if is_build:
                        self.samples.append((received, self.read_counter[0]))
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def close(self) -> None:
        self.server.close()


def test_the_context_is_sent_while_it_is_read(daemon: dict, tmp_path, monkeypatch) -> None:
    """Streaming, proven from the outside: at every moment of the upload, what the module has read from
    disk is at most a few chunks ahead of what the daemon's socket has received. A module that reads
    (or tars) the whole context before sending would be 64 MiB ahead at the first byte."""
    read = [0]
    original = _context.iter_file_content

    def counting(path, size, chunk_size=_context.CHUNK_SIZE):
        for data in original(path, size, chunk_size):
            read[0] += len(data)
            yield data
    monkeypatch.setattr(_context, 'iter_file_content', counting)

    root = str(tmp_path / 'ctx')
    total = make_context(root, 64, harness()['test_image'], random_share=0.05)
    proxy = _UploadRecorder(daemon['docker_host'][len('unix://'):], read)
    name = 'it-imgstream-%s:1' % uuid.uuid4().hex[:6]
    try:
        result = execute(_images.image_build, {'path': root, 'name': name, 'docker_host': 'unix://' + proxy.path,
                                               'timeout': 120}, False, False, {})
    finally:
        proxy.close()
        docker_cli(daemon, 'image', 'rm', '-f', name, check=False)
    assert result['image_id'], result
    assert 60 * 1024 * 1024 <= read[0] <= total + 4096  # the files and the Dockerfile
    samples = proxy.samples
    assert len(samples) > 50, 'the upload arrived in %d pieces' % len(samples)
    ahead = max(r - received for received, r in samples)
    # A few chunks (256 KiB each) plus socket buffers; far from the 64 MiB of a buffered upload.
    assert ahead < 8 * _context.CHUNK_SIZE + 4 * 1024 * 1024, ahead
    assert samples[0][1] < 8 * 1024 * 1024, 'already %d bytes read before the first byte was sent' % samples[0][1]
