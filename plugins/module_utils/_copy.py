# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""container_copy_into: put one file into a container (running or not) through the archive API.

The file goes as a one-entry tar built on the fly (``PUT /containers/{id}/archive?path=<dir>``): the tar
header (name, mode, uid, gid) then the file's bytes read in chunks, so memory stays constant whatever the
file's size. Idempotency: ``HEAD /containers/{id}/archive`` gives the path's stat (base64 JSON in the
``X-Docker-Container-Path-Stat`` header); when it is a regular file of the same size and mode, the file is
fetched (``GET /containers/{id}/archive``, a tar stream) and its owner and content are compared by hash,
reading in chunks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import os
import posixpath
import stat
import tarfile
import time
import typing as t

from ._client import EngineClient, demux, quote_path
from ._errors import APIError, ConfigurationError, EngineError, NotFound

CHUNK = 64 * 1024
BLOCK = 512
MAX_DIFF_SIZE = 104448  # ansible-core's MAX_FILE_SIZE_FOR_DIFF default
MAX_LINK_HOPS = 32
DEFAULT_CONTENT_MODE = 0o644

# Go's os.FileMode bits, as the daemon reports them in the path stat
GO_DIR = 1 << 31
GO_SYMLINK = 1 << 27
GO_TYPE_MASK = (1 << 31) | (1 << 30) | (1 << 29) | (1 << 28) | (1 << 27) | (1 << 26) | (1 << 25) | (1 << 24) | (1 << 21) | (1 << 19)
GO_SETUID = 1 << 23
GO_SETGID = 1 << 22
GO_STICKY = 1 << 20


def parse_mode(value: t.Any, how: str) -> int | None:
    """O(mode) by O(mode_parse)'s rule: legacy reads strings as decimal, modern and octal_string_only as octal."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ConfigurationError('mode must be a number or an octal string, not %r.' % value)
    if how == 'octal_string_only' and not isinstance(value, str):
        raise ConfigurationError('mode must be a string holding an octal number (for example "0644") with '
                                 'mode_parse=octal_string_only, not %r.' % (value,))
    if isinstance(value, int):
        mode = value
    elif isinstance(value, float) and value.is_integer():
        mode = int(value)
    elif isinstance(value, str):
        try:
            mode = int(value, 10 if how == 'legacy' else 8)
        except ValueError:
            raise ConfigurationError('mode %r is not a %s number.' % (value, 'decimal' if how == 'legacy' else 'octal')) from None
    else:
        raise ConfigurationError('mode must be a number or an octal string, not %r.' % (value,))
    if mode < 0 or mode > 0o7777:
        raise ConfigurationError('mode %s (octal %o) is out of range: give permission bits between 0 and 07777.'
                                 % (value, mode) if mode >= 0 else 'mode %r is negative.' % (value,))
    return mode


def go_mode_to_unix(go_mode: int) -> int:
    """Permission bits (07777) of a Go os.FileMode."""
    mode = go_mode & 0o777
    if go_mode & GO_SETUID:
        mode |= stat.S_ISUID
    if go_mode & GO_SETGID:
        mode |= stat.S_ISGID
    if go_mode & GO_STICKY:
        mode |= stat.S_ISVTX
    return mode


def decode_path_stat(header: str | None) -> dict[str, t.Any] | None:
    """The X-Docker-Container-Path-Stat header: base64 of a JSON object (name, size, mode, mtime, linkTarget)."""
    if not header:
        return None
    try:
        value = json.loads(base64.b64decode(header).decode('utf-8'))
    except (ValueError, binascii.Error):
        return None
    return value if isinstance(value, dict) else None


class Source:
    """What to copy: a local file (streamed from disk), a local symlink (local_follow=false) or bytes."""

    def __init__(self, params: dict[str, t.Any]) -> None:
        self.data: bytes | None = None
        self.path: str | None = params.get('path')
        self.link_target: str | None = None
        self.mtime = int(time.time())
        if self.path is None:
            content = params.get('content') or ''
            if params.get('content_is_b64'):
                try:
                    self.data = base64.b64decode(content, validate=True)
                except (ValueError, binascii.Error):
                    raise ConfigurationError('content is not valid base64 (content_is_b64 is true).') from None
            else:
                self.data = content.encode('utf-8', 'surrogateescape')
            self.size = len(self.data)
            self.mode = DEFAULT_CONTENT_MODE
            return
        try:
            info = os.stat(self.path) if params.get('local_follow', True) else os.lstat(self.path)
        except FileNotFoundError:
            raise ConfigurationError('The local file %s (path) does not exist.' % self.path) from None
        except OSError as exc:
            raise ConfigurationError('Cannot read the local file %s (path): %s.' % (self.path, exc.strerror or exc)) from None
        self.mtime = int(info.st_mtime)
        self.mode = stat.S_IMODE(info.st_mode)
        if stat.S_ISLNK(info.st_mode):
            self.link_target = os.readlink(self.path)
            self.size = 0
        elif stat.S_ISREG(info.st_mode):
            self.size = info.st_size
            if not os.access(self.path, os.R_OK):
                raise ConfigurationError('The local file %s (path) is not readable.' % self.path)
        else:
            raise ConfigurationError('path %s is not a regular file (this module copies one file; a directory cannot be '
                                     'copied).' % self.path)

    def chunks(self) -> t.Iterator[bytes]:
        if self.link_target is not None:
            return
        if self.data is not None:
            for start in range(0, len(self.data), CHUNK):
                yield self.data[start:start + CHUNK]
            return
        sent = 0
        with open(t.cast(str, self.path), 'rb') as handle:
            while True:
                chunk = handle.read(CHUNK)
                if not chunk:
                    break
                sent += len(chunk)
                yield chunk
        if sent != self.size:
            raise EngineError('The local file %s changed size while it was copied (%d bytes, then %d); nothing '
                              'consistent was written, run the task again.' % (self.path, self.size, sent))

    def digest(self) -> str:
        sha = hashlib.sha256()
        for chunk in self.chunks():
            sha.update(chunk)
        return sha.hexdigest()

    def small_text(self) -> str | None:
        """The content for a diff when it is small text; None otherwise."""
        if self.link_target is not None or self.size > MAX_DIFF_SIZE:
            return None
        data = b''.join(self.chunks())
        return _text(data)


def _text(data: bytes) -> str | None:
    if b'\x00' in data:
        return None
    try:
        return data.decode('utf-8')
    except UnicodeDecodeError:
        return None


def tar_header(name: str, source: Source, uid: int, gid: int, mode: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.mode = mode
    info.uid = uid
    info.gid = gid
    info.mtime = source.mtime
    if source.link_target is not None:
        info.type = tarfile.SYMTYPE
        info.linkname = source.link_target
        info.size = 0
    else:
        info.type = tarfile.REGTYPE
        info.size = source.size
    return info.tobuf(format=tarfile.PAX_FORMAT, encoding='utf-8', errors='surrogateescape')


def tar_stream(name: str, source: Source, uid: int, gid: int, mode: int) -> tuple[int, t.Iterator[bytes]]:
    """(length, chunks) of a one-entry tar archive; the file's bytes are read as they are sent."""
    header = tar_header(name, source, uid, gid, mode)
    size = 0 if source.link_target is not None else source.size
    padding = (-size) % BLOCK
    length = len(header) + size + padding + 2 * BLOCK

    def generate() -> t.Iterator[bytes]:
        yield header
        yield from source.chunks()
        yield b'\0' * (padding + 2 * BLOCK)

    return length, generate()


def _container(client: EngineClient, name: str) -> dict[str, t.Any]:
    try:
        container = client.get_json('/containers/%s/json' % quote_path(name))
    except NotFound:
        raise EngineError('Container %s does not exist, so nothing can be copied into it. Check the name, or create '
                          'it with dockerapi.engine.container first.' % name) from None
    if not isinstance(container, dict) or not container.get('Id'):
        raise EngineError('The daemon answered the lookup of container %s with something that is not a container '
                          'description. Check that docker_host points at a Docker daemon.' % name)
    return container


def path_stat(client: EngineClient, cid: str, path: str) -> dict[str, t.Any] | None:
    """The stat of ``path`` in the container, None when nothing is there."""
    try:
        response = client.request('HEAD', '/containers/%s/archive' % quote_path(cid), {'path': path})
    except NotFound:
        return None
    value = decode_path_stat(response.headers.get('X-Docker-Container-Path-Stat'))
    if value is None:
        raise EngineError('The daemon answered HEAD /containers/%s/archive for %s without a readable '
                          'X-Docker-Container-Path-Stat header.' % (cid[:12], path))
    return value


def _resolve(client: EngineClient, cid: str, path: str, follow: bool) -> tuple[str, dict[str, t.Any] | None]:
    """(the path to write, its stat); with ``follow`` symlinks in the container are followed."""
    current = path
    info = path_stat(client, cid, current)
    hops = 0
    while follow and info is not None and int(info.get('mode') or 0) & GO_SYMLINK:
        target = info.get('linkTarget') or ''
        if not target:
            break
        current = target if target.startswith('/') else posixpath.normpath(posixpath.join(posixpath.dirname(current), target))
        hops += 1
        if hops > MAX_LINK_HOPS:
            raise EngineError('container_path %s: too many levels of symbolic links in the container.' % path)
        info = path_stat(client, cid, current)
    return current, info


def _exec_ids(client: EngineClient, container: dict[str, t.Any]) -> tuple[int, int]:
    """The uid and gid the container's user has (``id -u``, ``id -g`` run in it)."""
    name = container.get('Name', '').lstrip('/') or container['Id'][:12]
    state = container.get('State') or {}
    if not state.get('Running') or state.get('Paused'):
        raise ConfigurationError('Container %s is not running, so the owner of the file cannot be found out: give '
                                 'owner_id and group_id to copy into a container that is not running.' % name)
    created = client.post_json('/containers/%s/exec' % quote_path(container['Id']), None, {
        'Cmd': ['/bin/sh', '-c', 'id -u && id -g'], 'AttachStdout': True, 'AttachStderr': True})
    exec_id = created['Id']
    response = client.request('POST', '/exec/%s/start' % quote_path(exec_id), json_body={'Detach': False, 'Tty': False})
    reader = io.BytesIO(response.body or b'')
    out, err = demux(reader.read)
    code = (client.get_json('/exec/%s/json' % quote_path(exec_id)) or {}).get('ExitCode')
    lines = out.decode('utf-8', 'replace').split()
    if code != 0 or len(lines) != 2 or not all(line.isdigit() for line in lines):
        raise ConfigurationError('Could not find out the user of container %s with "id -u" and "id -g" (exit code %s: %s). '
                                 'Give owner_id and group_id.' % (name, code, (err or out).decode('utf-8', 'replace').strip()[:500]))
    return int(lines[0]), int(lines[1])


def _fetch(client: EngineClient, cid: str, path: str, keep: bool) -> tuple[tarfile.TarInfo | None, str, bytes | None]:
    """(tar header, sha256 of the content, the content when ``keep`` and small) of the file at ``path``."""
    sha = hashlib.sha256()
    kept: bytearray | None = bytearray() if keep else None
    with client.request('GET', '/containers/%s/archive' % quote_path(cid), {'path': path}, stream=True) as response:
        with tarfile.open(fileobj=response.raw, mode='r|') as archive:
            member = archive.next()
            if member is None:
                return None, '', None
            if member.isreg():
                handle = archive.extractfile(member)
                while handle is not None:
                    chunk = handle.read(CHUNK)
                    if not chunk:
                        break
                    sha.update(chunk)
                    if kept is not None and len(kept) <= MAX_DIFF_SIZE:
                        kept.extend(chunk)
            # read the rest of the stream so that the connection ends cleanly
            for _member in archive:
                pass
    return member, sha.hexdigest(), bytes(kept) if kept is not None and len(kept) <= MAX_DIFF_SIZE else None


def _same(client: EngineClient, cid: str, path: str, info: dict[str, t.Any], source: Source, uid: int, gid: int,
          mode: int, want_before: bool) -> tuple[bool, bytes | None]:
    """Whether the file in the container already is the one to copy (and its content for the diff)."""
    go_mode = int(info.get('mode') or 0)
    if source.link_target is not None:
        if not go_mode & GO_SYMLINK:  # the stat's linkTarget is resolved: the tar entry below has the link as written
            return False, None
    elif go_mode & GO_TYPE_MASK or int(info.get('size') or 0) != source.size or go_mode_to_unix(go_mode) != mode:
        keep = want_before and not go_mode & GO_TYPE_MASK and int(info.get('size') or 0) <= MAX_DIFF_SIZE
        before = _fetch(client, cid, path, True)[2] if keep else None
        return False, before
    member, digest, before = _fetch(client, cid, path, want_before)
    if member is None or member.uid != uid or member.gid != gid:
        return False, before
    if source.link_target is not None:
        return member.issym() and member.linkname == source.link_target, before
    return member.isreg() and (member.mode & 0o7777) == mode and digest == source.digest(), before


def copy_into_service(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    container_path = params['container_path']
    if not container_path.startswith('/'):
        raise ConfigurationError('container_path must be an absolute path in the container, not %r.' % container_path)
    container_path = posixpath.normpath(container_path)
    if container_path == '/':
        raise ConfigurationError('container_path must name a file, not the root directory.')
    mode = parse_mode(params.get('mode'), params.get('mode_parse') or 'legacy')
    source = Source(params)
    if mode is None:
        mode = source.mode
    for option in ('owner_id', 'group_id'):
        if params.get(option) is not None and params[option] < 0:
            raise ConfigurationError('%s must not be negative.' % option)

    container = _container(client, params['container'])
    cid = container['Id']
    uid, gid = params.get('owner_id'), params.get('group_id')
    if uid is None or gid is None:
        found_uid, found_gid = _exec_ids(client, container)
        uid = found_uid if uid is None else uid
        gid = found_gid if gid is None else gid

    real_path, info = _resolve(client, cid, container_path, bool(params.get('follow')))
    if info is not None and int(info.get('mode') or 0) & GO_DIR:
        raise ConfigurationError('container_path %s is a directory in the container; give the path of the file to '
                                 'write (for example %s).' % (real_path, posixpath.join(real_path, 'name')))
    force = params.get('force')
    before: bytes | None = None
    if info is None:
        changed = True
    elif force is None:
        same, before = _same(client, cid, real_path, info, source, uid, gid, mode, diff and source.path is not None)
        changed = not same
    else:
        changed = bool(force)
        if diff and changed and source.path is not None:
            go_mode = int(info.get('mode') or 0)
            if not go_mode & GO_TYPE_MASK and int(info.get('size') or 0) <= MAX_DIFF_SIZE:
                before = _fetch(client, cid, real_path, True)[2]

    result: dict[str, t.Any] = {'changed': changed, 'container_path': real_path}
    if diff:
        result['diff'] = _diff(real_path, info, before, source, changed)
    if changed and not check_mode:
        _put(client, cid, real_path, source, uid, gid, mode)
    return result


HIDDEN = '(not shown: content is no_log, so neither it nor the file it replaces is shown)\n'


def _diff(path: str, info: dict[str, t.Any] | None, before: bytes | None, source: Source, changed: bool) -> dict[str, t.Any]:
    if source.path is None:
        # content is a no_log option: the file it replaces is as secret as it is
        return {'before_header': path, 'after_header': path, 'before': '' if info is None and changed else HIDDEN, 'after': HIDDEN}
    after_text = source.small_text()
    if info is None:
        before_text = ''
    elif before is not None:
        before_text = _text(before)
        if before_text is None:
            before_text = '(binary file)\n'
    else:
        before_text = '(file not shown: not a small regular file)\n'
    if after_text is None:
        after_text = '(symbolic link to %s)\n' % source.link_target if source.link_target is not None else '(binary or large file)\n'
    if not changed:
        before_text = after_text
    return {'before_header': path, 'after_header': path, 'before': before_text, 'after': after_text}


def _put(client: EngineClient, cid: str, path: str, source: Source, uid: int, gid: int, mode: int) -> None:
    directory, name = posixpath.split(path)
    length, body = tar_stream(name, source, uid, gid, mode)
    try:
        client.request('PUT', '/containers/%s/archive' % quote_path(cid), {'path': directory or '/'}, data=body,
                       headers={'Content-Type': 'application/x-tar', 'Content-Length': str(length)})
    except NotFound as exc:
        raise EngineError('Cannot copy to %s: the directory %s does not exist in the container (%s).'
                          % (path, directory, exc.message)) from None
    except APIError as exc:
        raise EngineError('The daemon refused to copy to %s: %s' % (path, exc.message), status=exc.status) from None
