"""Build contexts: .dockerignore reading and matching with the docker CLI's rules, and the tar stream."""

from __future__ import annotations

import io
import os
import tarfile

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils._context import (
    ContextError,
    PatternMatcher,
    check_context,
    check_go_pattern,
    context_file_list,
    exact_length,
    go_clean,
    iter_context_tar,
    iter_file_content,
    load_matcher,
    read_dockerignore,
    resolve_dockerfile,
    trim_build_files,
)
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError


@pytest.mark.parametrize(('path', 'clean'), [
    ('', '.'), ('a/b/', 'a/b'), ('./a', 'a'), ('a//b', 'a/b'), ('a/../b', 'b'), ('a/../..', '..'),
    ('/../a', '/a'), ('//a', '/a'), ('/', '/'), ('..', '..'), ('a/./b/.', 'a/b'),
])
def test_go_clean(path: str, clean: str) -> None:
    assert go_clean(path) == clean


def test_read_dockerignore_follows_the_cli() -> None:
    text = ('\ufeff# comment\n*.log\r\n  spaced  \n #notcomment\n\n!keep.log\n! spaced-exception\n/abs\n./dot\n'
            'dir/\n/a/../b\n!\n')
    assert read_dockerignore(text) == ['*.log', 'spaced', '#notcomment', '!keep.log', '!spaced-exception', 'abs',
                                       'dot', 'dir', 'b', '!']


@pytest.mark.parametrize(('pattern', 'path', 'matches'), [
    ('*.log', 'a.log', True),
    ('*.log', 'dir/a.log', False),          # '*' does not cross '/'
    ('**/*.log', 'dir/sub/a.log', True),
    ('**/*.log', 'a.log', True),            # '**/' also matches zero directories
    ('**/foo', 'foo', True),                # suffix match
    ('**/foo', 'a/b/foo', True),
    ('**/foo', 'a/xfoo', False),
    ('foo/**', 'foo/a/b', True),            # prefix match
    ('foo/**', 'foo', False),
    ('a/**/c', 'a/c', True),
    ('a/**/c', 'a/b/d/c', True),
    ('?.txt', 'a.txt', True),
    ('?.txt', 'ab.txt', False),
    ('[ab].ini', 'b.ini', True),
    ('[^ab].ini', 'b.ini', False),
    ('[a-c]x', 'cx', True),
    ('a\\*b', 'a*b', True),                 # escaped star is literal
    ('a\\*b', 'axb', False),
    ('file.txt', 'fileXtxt', False),        # '.' is literal, not a regex wildcard
    ('a+b', 'a+b', True),
    ('(x)', '(x)', True),
    ('**', 'anything/at/all', True),
])
def test_pattern_matching(pattern: str, path: str, matches: bool) -> None:
    matcher = PatternMatcher([pattern])
    assert matcher.patterns[0].match(path) is matches


@pytest.mark.parametrize('pattern', ['[', 'a[', '[]', '[a-', '[-a]', 'x\\', '[a\\', '[]a]', '[^]]'])
def test_bad_patterns_are_refused_like_go(pattern: str) -> None:
    with pytest.raises(ValueError):
        check_go_pattern(pattern)
    with pytest.raises(ConfigurationError, match='not valid'):
        PatternMatcher([pattern])


@pytest.mark.parametrize('pattern', ['[a-z]', '\\[', '*', 'a]b', '[^a]', '[\\]]'])
def test_good_patterns_pass(pattern: str) -> None:
    check_go_pattern(pattern)


def test_lone_exclamation_mark_is_refused() -> None:
    with pytest.raises(ConfigurationError, match='illegal exclusion pattern'):
        PatternMatcher(['!'])


def test_last_match_wins_and_parent_directories_count() -> None:
    matcher = PatternMatcher(['docs', '!docs/keep.md'])
    assert matcher.matches('docs/other.md') is True
    assert matcher.matches('docs/keep.md') is False
    # The deprecated Matches of the CLI checks one parent prefix of the pattern's depth only.
    assert PatternMatcher(['a/b']).matches('a/b/c/d') is True


def test_matches_using_parent_inherits_results() -> None:
    matcher = PatternMatcher(['foo', '!foo/bar'])
    skip_dir, info = matcher.matches_using_parent('foo', None)
    assert skip_dir is True
    assert matcher.matches_using_parent('foo/bar', info)[0] is False
    assert matcher.matches_using_parent('foo/baz', info)[0] is True
    assert matcher.directory_has_exception('foo') is True
    assert matcher.directory_has_exception('fo') is False


def test_trim_build_files_reincludes_dockerfile_and_dockerignore() -> None:
    assert trim_build_files(['*'], 'Dockerfile') == ['*', '!.dockerignore', '!Dockerfile']
    assert trim_build_files(['docker'], 'docker/Dockerfile') == ['docker', '!docker/Dockerfile']
    assert trim_build_files(['*.md'], 'Dockerfile') == ['*.md']


def _tree(root: str, files: dict[str, str]) -> None:
    for rel, content in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as handle:
            handle.write(content)


def test_walk_order_and_skipped_directories(tmp_path) -> None:
    root = str(tmp_path)
    _tree(root, {'Dockerfile': 'FROM x\n', 'b/x': '1', 'a/y': '2', 'a/z/w': '3', 'foo/keep': '4', 'B': '5',
                 '.dockerignore': 'foo\n!**/keep\na/z\n'})
    # Lexical order by bytes (upper case first), depth first; foo is skipped whole (no exception starts with it).
    assert context_file_list(root) == ['.dockerignore', 'B', 'Dockerfile', 'a', 'a/y', 'b', 'b/x']


def test_dockerfile_resolution(tmp_path) -> None:
    root = str(tmp_path)
    _tree(root, {'dockerfile': 'FROM x\n', 'sub/Dockerfile.dev': 'FROM x\n'})
    assert resolve_dockerfile(root, None) == 'dockerfile'  # the CLI's lower-case fallback
    assert resolve_dockerfile(root, './sub/Dockerfile.dev') == 'sub/Dockerfile.dev'
    assert resolve_dockerfile(root, os.path.join(root, 'sub', 'Dockerfile.dev')) == 'sub/Dockerfile.dev'
    with pytest.raises(ConfigurationError, match='outside the build context'):
        resolve_dockerfile(root, '/etc/hostname')
    with pytest.raises(ConfigurationError, match='not a file inside the build context'):
        resolve_dockerfile(root, '../Dockerfile')
    with pytest.raises(ConfigurationError, match='does not exist in the build context'):
        resolve_dockerfile(root, 'missing')


def test_tar_stream_is_a_valid_tar_with_the_cli_headers(tmp_path) -> None:
    root = str(tmp_path / 'ctx')
    long_name = 'd/' + 'x' * 150 + '.txt'
    _tree(root, {'Dockerfile': 'FROM x\n', 'a.txt': 'hello', 'big.bin': 'B' * 70000, long_name: 'long',
                 'ünï.txt': 'u', '.dockerignore': '*.skip\n', 'no.skip': 'no'})
    os.symlink('a.txt', os.path.join(root, 'link'))
    os.link(os.path.join(root, 'a.txt'), os.path.join(root, 'hard'))
    os.chmod(os.path.join(root, 'a.txt'), 0o751)
    matcher = load_matcher(root, 'Dockerfile')
    summary = check_context(root, matcher)
    chunks = list(iter_context_tar(root, matcher, chunk_size=4096))
    data = b''.join(chunks)
    assert len(data) == summary.tar_bytes
    assert max(len(c) for c in chunks) <= 70000  # big files are passed through chunk by chunk, small ones batched
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        members = {m.name: m for m in archive.getmembers()}
        assert sorted(members) == sorted(['.dockerignore', 'Dockerfile', 'a.txt', 'big.bin', 'd', long_name,
                                          'hard', 'link', 'ünï.txt'])
        assert archive.extractfile('big.bin').read() == b'B' * 70000
        assert archive.extractfile(long_name).read() == b'long'
        assert all(m.uid == 0 and m.gid == 0 and m.uname == '' and m.gname == '' for m in members.values())
        assert members['a.txt'].mode == 0o751
        assert members['d'].isdir()
        assert members['link'].issym() and members['link'].linkname == 'a.txt'
        # a.txt comes first in the walk, so it carries the content and 'hard' links to it
        assert members['hard'].islnk() and members['hard'].linkname == 'a.txt'
    assert summary.files == 8 and summary.directories == 1


def test_unreadable_file_fails_the_first_pass(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = str(tmp_path)
    _tree(root, {'Dockerfile': 'FROM x\n', 'secret': 's', '.dockerignore': 'ignored-secret\n',
                 'ignored-secret': 'i'})
    secret = os.path.join(root, 'secret')
    real_open = open

    def guarded_open(path, *args, **kwargs):  # root reads every file: simulate a file it may not read
        if str(path).endswith('secret'):
            raise PermissionError(13, 'Permission denied', str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr('builtins.open', guarded_open)
    with pytest.raises(ConfigurationError, match="No permission to read '%s'.*or exclude it in .dockerignore" % secret):
        check_context(root, load_matcher(root, 'Dockerfile'))
    with open(os.path.join(root, '.dockerignore'), 'a') as handle:
        handle.write('secret\n')
    assert check_context(root, load_matcher(root, 'Dockerfile')).files == 2  # an excluded one is not opened


def test_changed_files_are_detected(tmp_path) -> None:
    path = str(tmp_path / 'f')
    with open(path, 'wb') as handle:
        handle.write(b'12345')
    with pytest.raises(ContextError, match='shrank'):
        list(iter_file_content(path, 10))
    with pytest.raises(ContextError, match='grew'):
        list(iter_file_content(path, 3))
    assert b''.join(iter_file_content(path, 5, chunk_size=2)) == b'12345'


def test_exact_length_cuts_a_body_of_the_wrong_size() -> None:
    assert list(exact_length([b'ab', b'c'], 3)) == [b'ab', b'c']
    with pytest.raises(ContextError, match='grew'):
        list(exact_length([b'ab', b'cd'], 3))
    with pytest.raises(ContextError, match='missing'):
        list(exact_length([b'ab'], 3))
