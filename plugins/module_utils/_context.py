# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build contexts: ``.dockerignore`` with the docker CLI's rules, and a tar stream made on the fly.

Why our own walk and tar writer: the context is sent to ``POST /build`` while it is read, one
small buffer at a time, so the memory of the module does not grow with the size of the context
(docker-py and community.docker write the whole tar to a temporary file first). Only the headers
come from ``tarfile.TarInfo.tobuf``; contents are copied in chunks.

The file selection follows the docker CLI's classic builder (``docker build`` with
``DOCKER_BUILDKIT=0``) step by step, so a context sends exactly what the CLI would send:

* ``.dockerignore`` is read as the CLI reads it (comments only at the start of a line, blanks
  trimmed, ``!`` exceptions, patterns cleaned like Go's ``filepath.Clean`` and a leading ``/``
  dropped);
* patterns match as the CLI's pattern matcher does (Go ``filepath.Match`` syntax, ``**`` for any
  number of directories, the last matching pattern wins, a pattern matching a directory matches
  everything below it);
* the tree is walked in lexical order; an excluded directory is not entered unless an exception
  pattern starts with its path;
* the Dockerfile and ``.dockerignore`` are always sent (the daemon drops them itself after reading
  when they are excluded);
* entries carry uid/gid 0 and no user or group names, symlinks are not followed, hard links after
  the first become link entries, sockets are left out.
"""

from __future__ import annotations

import os
import re
import stat
import tarfile
import typing as t

from ._errors import ConfigurationError, EngineError

CHUNK_SIZE = 256 * 1024
BLOCK = 512
DOCKERIGNORE = '.dockerignore'
DEFAULT_DOCKERFILE = 'Dockerfile'
_UTF8_BOM = '\ufeff'


class ContextError(EngineError):
    """The build context changed or became unreadable while it was being sent."""


# ---- paths and patterns ---------------------------------------------------------------------


def go_clean(path: str) -> str:
    """Go's ``filepath.Clean`` on a slash-separated path (posixpath.normpath differs on ``//x``)."""
    if path == '':
        return '.'
    rooted = path.startswith('/')
    parts: list[str] = []
    for part in path.split('/'):
        if part in ('', '.'):
            continue
        if part == '..':
            if parts and parts[-1] != '..':
                parts.pop()
            elif not rooted:
                parts.append('..')
            continue
        parts.append(part)
    cleaned = '/'.join(parts)
    if rooted:
        return '/' + cleaned
    return cleaned or '.'


def read_dockerignore(text: str) -> list[str]:
    """The patterns of a ``.dockerignore``, normalised as the docker CLI does before matching."""
    patterns: list[str] = []
    for number, line in enumerate(text.split('\n')):
        if line.endswith('\r'):
            line = line[:-1]
        if number == 0 and line.startswith(_UTF8_BOM):
            line = line[len(_UTF8_BOM):]
        # Only a '#' in the very first column starts a comment.
        if line.startswith('#'):
            continue
        pattern = line.strip()
        if not pattern:
            continue
        invert = pattern.startswith('!')
        if invert:
            pattern = pattern[1:].strip()
        if pattern:
            pattern = go_clean(pattern)
            if len(pattern) > 1 and pattern.startswith('/'):
                pattern = pattern[1:]
        patterns.append('!' + pattern if invert else pattern)
    return patterns


def _check_go_class(chunk: str, i: int) -> int:
    """Validate a ``[...]`` class starting after its ``[`` at ``chunk[i]``; return the index after ``]``."""

    def get_esc(j: int) -> int:
        if j >= len(chunk) or chunk[j] in '-]':
            raise ValueError('bad character class')
        if chunk[j] == '\\':
            j += 1
            if j >= len(chunk):
                raise ValueError('trailing backslash in a character class')
        j += 1
        if j >= len(chunk):
            raise ValueError('unterminated character class')
        return j

    if i < len(chunk) and chunk[i] == '^':
        i += 1
    ranges = 0
    while True:
        if i < len(chunk) and chunk[i] == ']' and ranges > 0:
            return i + 1
        i = get_esc(i)
        if chunk[i] == '-':
            i = get_esc(i + 1)
        ranges += 1


def check_go_pattern(pattern: str) -> None:
    """Raise ValueError where Go's ``filepath.Match`` reports ``ErrBadPattern`` (it checks all of it)."""
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == '\\':
            if i + 1 >= len(pattern):
                raise ValueError('trailing backslash')
            i += 2
        elif ch == '[':
            i = _check_go_class(pattern, i + 1)
        else:
            i += 1


_REGEX_ESCAPE = set('.+()|{}$')


class Pattern:
    """One pattern of the CLI's matcher: exact, prefix (``dir/**``), suffix (``**/name``) or regex."""

    def __init__(self, cleaned: str, exclusion: bool) -> None:
        self.cleaned = cleaned
        self.exclusion = exclusion
        self.kind = 'exact'
        self.regex: t.Pattern[str] | None = None
        self._compile()

    def __repr__(self) -> str:
        return 'Pattern(%r%s)' % (self.cleaned, ', exclusion' if self.exclusion else '')

    @property
    def text(self) -> str:
        return self.cleaned

    def _compile(self) -> None:
        pattern = self.cleaned
        out: list[str] = []
        i = 0
        n = len(pattern)
        first = True
        while i < n:
            ch = pattern[i]
            i += 1
            if ch == '*':
                if i < n and pattern[i] == '*':
                    i += 1
                    if i < n and pattern[i] == '/':
                        i += 1  # '**/' is treated as '**'
                    if i >= n:
                        # A trailing '**' matches everything below (as .gitignore does).
                        if self.kind == 'exact':
                            self.kind = 'prefix'
                        else:
                            out.append('.*')
                            self.kind = 'regex'
                    else:
                        out.append('(.*/)?')
                        self.kind = 'regex'
                    if first:
                        self.kind = 'suffix'
                else:
                    out.append('[^/]*')
                    self.kind = 'regex'
            elif ch == '?':
                out.append('[^/]')
                self.kind = 'regex'
            elif ch in _REGEX_ESCAPE:
                out.append('\\' + ch)
            elif ch == '\\':
                if i < n:
                    out.append('\\' + pattern[i])
                    i += 1
                    self.kind = 'regex'
                else:
                    out.append('\\\\')
            elif ch in '[]':
                out.append(ch)
                self.kind = 'regex'
            else:
                out.append(ch)
            first = False
        if self.kind == 'regex':
            try:
                self.regex = re.compile(''.join(out))
            except re.error as exc:
                raise ValueError(str(exc))

    def match(self, path: str) -> bool:
        if self.kind == 'exact':
            return path == self.cleaned
        if self.kind == 'prefix':
            return path.startswith(self.cleaned[:-2])
        if self.kind == 'suffix':
            suffix = self.cleaned[2:]
            if path.endswith(suffix):
                return True
            # '**/foo' also matches 'foo' itself
            return suffix.startswith('/') and path == suffix[1:]
        return self.regex is not None and self.regex.fullmatch(path) is not None


class PatternMatcher:
    """The docker CLI's pattern matcher: the last matching pattern decides, ``!`` re-includes."""

    def __init__(self, patterns: t.Iterable[str], source: str = '.dockerignore') -> None:
        self.patterns: list[Pattern] = []
        self.exclusions = False
        for raw in patterns:
            text = raw.strip()
            if not text:
                continue
            text = go_clean(text)
            exclusion = text.startswith('!')
            if exclusion:
                if len(text) == 1:
                    raise ConfigurationError('%s holds the illegal exclusion pattern "!" (an exception needs a path). '
                                             'Remove that line or complete it.' % source)
                text = text[1:]
                self.exclusions = True
            try:
                check_go_pattern(text)
                self.patterns.append(Pattern(text, exclusion))
            except ValueError as exc:
                raise ConfigurationError('%s holds the pattern %r, which is not valid (%s); the docker CLI refuses it '
                                         'too. Fix the pattern (Go filepath.Match syntax).' % (source, raw, exc))

    def matches(self, path: str) -> bool:
        """The CLI's ``Matches``: used to decide whether the Dockerfile and .dockerignore need re-including."""
        matched = False
        parent = posix_dirname(path)
        parent_dirs = parent.split('/')
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue
            match = pattern.match(path)
            if not match and parent != '.':
                depth = len(pattern.cleaned.split('/'))
                if depth <= len(parent_dirs):
                    match = pattern.match('/'.join(parent_dirs[:depth]))
            if match:
                matched = not pattern.exclusion
        return matched

    def matches_using_parent(self, path: str, parent: list[bool] | None) -> tuple[bool, list[bool]]:
        """The CLI's ``MatchesUsingParentResults``: reuse the parent directory's per-pattern results."""
        matched = False
        info = [False] * len(self.patterns)
        for index, pattern in enumerate(self.patterns):
            match = bool(parent) and parent[index]  # type: ignore[index]
            if not match:
                if pattern.exclusion != matched:
                    continue
                match = pattern.match(path)
                if not match and not parent:
                    dirname = posix_dirname(path)
                    if dirname != '.':
                        dirs = dirname.split('/')
                        for depth in range(1, len(dirs) + 1):
                            if pattern.match('/'.join(dirs[:depth])):
                                match = True
                                break
            info[index] = match
            if match:
                matched = not pattern.exclusion
        return matched, info

    def directory_has_exception(self, rel_dir: str) -> bool:
        """Whether an exception pattern names something inside ``rel_dir``, so it must be entered."""
        prefix = rel_dir + '/'
        return any(p.exclusion and (p.cleaned + '/').startswith(prefix) for p in self.patterns)


def posix_dirname(path: str) -> str:
    head = path.rpartition('/')[0]
    return head or '.'


def trim_build_files(patterns: list[str], dockerfile: str) -> list[str]:
    """Re-include ``.dockerignore`` and the Dockerfile when the patterns exclude them (as the CLI does)."""
    matcher = PatternMatcher(patterns)
    result = list(patterns)
    if matcher.matches(DOCKERIGNORE):
        result.append('!' + DOCKERIGNORE)
    if PatternMatcher(result).matches(dockerfile):
        result.append('!' + dockerfile)
    return result


# ---- the context directory ------------------------------------------------------------------


class Entry(t.NamedTuple):
    rel: str  # path inside the context, '/'-separated
    path: str  # path on this host
    st: os.stat_result


def resolve_dockerfile(root: str, dockerfile: str | None) -> str:
    """The Dockerfile's path relative to the context, checked to exist there (CLI rules)."""
    if dockerfile is None:
        # The CLI falls back to a lowercase 'dockerfile' when 'Dockerfile' does not exist.
        if not os.path.lexists(os.path.join(root, DEFAULT_DOCKERFILE)) and \
                os.path.isfile(os.path.join(root, 'dockerfile')):
            return 'dockerfile'
        dockerfile = DEFAULT_DOCKERFILE
    if os.path.isabs(dockerfile):
        relative = os.path.relpath(dockerfile, root)
        if relative == '..' or relative.startswith('../'):
            raise ConfigurationError(
                'dockerfile %s is outside the build context %s. Move it into the context, or give a path relative '
                'to the context.' % (dockerfile, root))
        dockerfile = relative
    rel = go_clean(dockerfile.replace(os.sep, '/'))
    if rel == '..' or rel.startswith('../') or rel == '.':
        raise ConfigurationError(
            'dockerfile %r is not a file inside the build context %s. Give its path relative to the context, '
            'for example "Dockerfile" or "docker/Dockerfile.prod".' % (dockerfile, root))
    full = os.path.join(root, rel)
    if not os.path.isfile(full):
        raise ConfigurationError(
            'The Dockerfile %s does not exist in the build context %s (looked for %s). Check dockerfile and path.'
            % (rel, root, full))
    return rel


def load_matcher(root: str, dockerfile: str) -> PatternMatcher:
    """The matcher for this context: its ``.dockerignore`` plus the CLI's re-inclusions."""
    ignore_path = os.path.join(root, DOCKERIGNORE)
    patterns: list[str] = []
    try:
        with open(ignore_path, 'rb') as handle:
            patterns = read_dockerignore(handle.read().decode('utf-8', 'surrogateescape'))
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise ConfigurationError('Cannot read %s (%s). Make it readable, or remove it.' % (ignore_path, exc))
    return PatternMatcher(trim_build_files(patterns, dockerfile), source=ignore_path)


def _sorted_names(path: str) -> list[str]:
    # Go's WalkDir sorts by the bytes of the name.
    return sorted(os.listdir(path), key=os.fsencode)


def walk_context(root: str, matcher: PatternMatcher) -> t.Iterator[Entry]:
    """The entries the CLI would put in the tar, in its order (depth first, lexical).

    Only the open directories' listings are held (one per level), never the whole tree.
    """
    # Each frame: (relative dir, host dir, names, next index, parent match info)
    stack: list[tuple[str, str, list[str], int, list[bool] | None]] = []
    try:
        stack.append(('', root, _sorted_names(root), 0, None))
    except OSError as exc:
        raise ConfigurationError('Cannot read the build context %s (%s).' % (root, exc))
    while stack:
        rel_dir, host_dir, names, index, parent_info = stack[-1]
        if index >= len(names):
            stack.pop()
            continue
        stack[-1] = (rel_dir, host_dir, names, index + 1, parent_info)
        name = names[index]
        rel = name if not rel_dir else rel_dir + '/' + name
        path = os.path.join(host_dir, name)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue  # removed since the directory was listed
        except OSError as exc:
            raise ConfigurationError("Cannot stat '%s' in the build context (%s). Fix its permissions or exclude it "
                                     "in .dockerignore." % (path, exc))
        is_dir = stat.S_ISDIR(st.st_mode)
        skip, info = matcher.matches_using_parent(rel, parent_info) if matcher.patterns else (False, [])
        if skip:
            if not is_dir or not matcher.exclusions or not matcher.directory_has_exception(rel):
                continue
        else:
            if stat.S_ISSOCK(st.st_mode):
                continue  # the CLI cannot tar sockets and leaves them out
            yield Entry(rel, path, st)
        if is_dir:
            try:
                children = _sorted_names(path)
            except OSError as exc:
                raise ConfigurationError("Cannot list '%s' in the build context (%s). Fix its permissions or exclude "
                                         "it in .dockerignore." % (path, exc))
            stack.append((rel, path, children, 0, info))


class ContextSummary(t.NamedTuple):
    files: int
    directories: int
    bytes: int  # sum of the file sizes
    tar_bytes: int  # exact size of the tar that iter_context_tar will produce


def check_context(root: str, matcher: PatternMatcher) -> ContextSummary:
    """A first pass without reading contents: every file that will be sent must be readable.

    As the CLI's ValidateContextDirectory, this fails before anything is sent to the daemon. It
    also computes the exact size of the tar (headers and padded contents), so the upload can
    carry a Content-Length: the daemons accept a chunked body too, but read a sized one faster.
    """
    files = dirs = size = 0
    tar_bytes = 2 * BLOCK
    hardlinks: dict[tuple[int, int], str] = {}
    for entry in walk_context(root, matcher):
        mode = entry.st.st_mode
        try:
            info = _tarinfo(entry, hardlinks)
        except OSError as exc:
            raise ConfigurationError("Cannot read '%s' in the build context (%s)." % (entry.path, exc))
        tar_bytes += len(tar_header(info))
        if stat.S_ISDIR(mode):
            dirs += 1
            continue
        files += 1
        if info.type == tarfile.REGTYPE:
            size += info.size
            tar_bytes += info.size + len(_padding(info.size))
            try:
                with open(entry.path, 'rb'):
                    pass
            except OSError as exc:
                raise ConfigurationError(
                    "No permission to read '%s' in the build context (%s). Make it readable by the user that runs "
                    "the task, or exclude it in .dockerignore." % (entry.path, exc.strerror or exc))
    return ContextSummary(files, dirs, size, tar_bytes)


def exact_length(chunks: t.Iterable[bytes], expected: int) -> t.Iterator[bytes]:
    """Pass chunks through, failing before the total could differ from the announced Content-Length.

    The context may change between the size pass and the upload; the daemon must then never
    receive a complete body of the wrong shape: the upload is cut, and the daemon drops the build.
    """
    sent = 0
    for chunk in chunks:
        sent += len(chunk)
        if sent > expected:
            raise ContextError('The build context changed while it was being sent (it grew by at least %d bytes). '
                               'Nothing was built; run the task again once the files are stable.' % (sent - expected))
        yield chunk
    if sent != expected:
        raise ContextError('The build context changed while it was being sent (%d bytes missing). Nothing was built; '
                           'run the task again once the files are stable.' % (expected - sent))


def _tarinfo(entry: Entry, hardlinks: dict[tuple[int, int], str]) -> tarfile.TarInfo:
    st = entry.st
    mode = st.st_mode
    info = tarfile.TarInfo(entry.rel)
    info.mode = stat.S_IMODE(mode)
    info.mtime = int(st.st_mtime)
    info.uid = info.gid = 0  # as the CLI: the daemon owns everything it unpacks
    info.uname = info.gname = ''
    if stat.S_ISDIR(mode):
        info.type = tarfile.DIRTYPE
    elif stat.S_ISLNK(mode):
        info.type = tarfile.SYMTYPE
        info.linkname = os.readlink(entry.path)
    elif stat.S_ISREG(mode):
        key = (st.st_dev, st.st_ino)
        if st.st_nlink > 1 and key in hardlinks:
            info.type = tarfile.LNKTYPE
            info.linkname = hardlinks[key]
        else:
            if st.st_nlink > 1:
                hardlinks[key] = entry.rel
            info.type = tarfile.REGTYPE
            info.size = st.st_size
    elif stat.S_ISFIFO(mode):
        info.type = tarfile.FIFOTYPE
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        info.type = tarfile.CHRTYPE if stat.S_ISCHR(mode) else tarfile.BLKTYPE
        info.devmajor = os.major(st.st_rdev)
        info.devminor = os.minor(st.st_rdev)
    return info


def tar_header(info: tarfile.TarInfo) -> bytes:
    return info.tobuf(tarfile.PAX_FORMAT, 'utf-8', 'surrogateescape')


def _padding(size: int) -> bytes:
    return b'\0' * ((BLOCK - size % BLOCK) % BLOCK)


def iter_file_content(path: str, size: int, chunk_size: int = CHUNK_SIZE) -> t.Iterator[bytes]:
    """Exactly ``size`` bytes of a file, in chunks; a file that changed size meanwhile is an error."""
    remaining = size
    try:
        with open(path, 'rb') as handle:
            while remaining > 0:
                data = handle.read(min(chunk_size, remaining))
                if not data:
                    raise ContextError("'%s' shrank while the build context was being sent (%d bytes missing). "
                                       "Nothing was built; run the task again once the file is stable."
                                       % (path, remaining))
                remaining -= len(data)
                yield data
            if handle.read(1):
                raise ContextError("'%s' grew while the build context was being sent. Nothing was built; run the "
                                   "task again once the file is stable." % path)
    except OSError as exc:
        raise ContextError("Reading '%s' of the build context failed while it was being sent (%s)." % (path, exc))


def iter_context_tar(root: str, matcher: PatternMatcher, chunk_size: int = CHUNK_SIZE) -> t.Iterator[bytes]:
    """The context as an uncompressed tar, produced while it is read, in chunks of about ``chunk_size``.

    Small entries are gathered in one buffer that is drained whenever it reaches ``chunk_size``;
    large files go straight through. Memory is a few chunks whatever the size of the context.
    """
    buffer = bytearray()
    hardlinks: dict[tuple[int, int], str] = {}
    for entry in walk_context(root, matcher):
        try:
            info = _tarinfo(entry, hardlinks)
        except OSError as exc:
            raise ContextError("Reading '%s' of the build context failed (%s)." % (entry.path, exc))
        buffer += tar_header(info)
        if info.type == tarfile.REGTYPE and info.size:
            for data in iter_file_content(entry.path, info.size, chunk_size):
                if len(buffer) + len(data) > chunk_size and buffer:
                    yield bytes(buffer)
                    buffer.clear()
                if len(data) >= chunk_size:
                    yield data
                else:
                    buffer += data
            buffer += _padding(info.size)
        if len(buffer) >= chunk_size:
            yield bytes(buffer)
            buffer.clear()
    buffer += b'\0' * (2 * BLOCK)  # end-of-archive marker
    yield bytes(buffer)


def iter_tar_file(path: str, chunk_size: int = CHUNK_SIZE) -> t.Iterator[bytes]:
    """A ready tar file (plain or compressed), streamed as it is read."""
    try:
        with open(path, 'rb') as handle:
            while True:
                data = handle.read(chunk_size)
                if not data:
                    return
                yield data
    except OSError as exc:
        raise ContextError("Reading the context tar '%s' failed while it was being sent (%s)." % (path, exc))


def context_file_list(root: str, dockerfile: str | None = None) -> list[str]:
    """The paths the CLI would send for this context (for tests and diagnostics)."""
    rel = resolve_dockerfile(root, dockerfile)
    return [entry.rel for entry in walk_context(root, load_matcher(root, rel))]
