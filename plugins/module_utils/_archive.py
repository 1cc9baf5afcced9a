# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Image archives: ``image_load`` (POST /images/load) and ``image_export`` (GET /images/get).

Both stream: the tar goes to the daemon in fixed-size chunks read from disk, and the export comes back
chunk by chunk into a temporary file beside the target, renamed over it only once complete. Memory does
not grow with the image.

Reading an archive (for the export's idempotency and the load's check mode) only walks the tar headers
and reads ``manifest.json`` (``docker save`` of every version) or, failing that, the OCI ``index.json``
and the manifests it names (Docker 25+ writes an OCI layout beside ``manifest.json``).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import tarfile
import tempfile
import typing as t

from ._client import EngineClient, JSONStreamDecoder, stream_error_message
from ._errors import APIError, ConfigurationError, ConnectionProblem, EngineError, StreamError
from ._images import inspect_image, is_image_id, parse_reference

CHUNK_SIZE = 1024 * 1024
PLATFORM_API = '1.48'


class ArchiveError(EngineError):
    """A file that is not a readable image archive."""


# --- reading archives -------------------------------------------------------------------------------------------

def _read_member(archive: tarfile.TarFile, member: tarfile.TarInfo, limit: int = 16 * 1024 * 1024) -> t.Any:
    if member.size > limit:
        raise ArchiveError('%s in the archive is %d bytes, more than a metadata file can be.' % (member.name, member.size))
    handle = archive.extractfile(member)
    if handle is None:
        raise ArchiveError('%s in the archive is not a regular file.' % member.name)
    with handle:
        return json.loads(handle.read().decode('utf-8'))


def _id_from_config(name: str) -> str:
    """``<hex>.json`` (docker save up to 24) or ``blobs/sha256/<hex>`` (25+) -> ``sha256:<hex>``."""
    base = name.rsplit('/', 1)[-1]
    if base.endswith('.json'):
        base = base[:-len('.json')]
    return base if base.startswith('sha256:') else 'sha256:' + base


def read_archive(path: str) -> list[dict[str, t.Any]]:
    """The images of a docker-archive tar: ``[{'id': 'sha256:...', 'names': [...]}]``; raises ArchiveError.

    Only headers and the small JSON files are read; layer contents are skipped with seeks.
    """
    try:
        archive = tarfile.open(path, 'r:')  # pylint: disable=consider-using-with
    except (tarfile.TarError, OSError) as exc:
        raise ArchiveError('%s is not a tar archive of images (%s).' % (path, exc))
    with archive:
        members: dict[str, tarfile.TarInfo] = {}
        try:
            for member in archive:
                name = member.name[2:] if member.name.startswith('./') else member.name
                if name in ('manifest.json', 'index.json') or name.startswith('blobs/'):
                    members[name] = member
        except (tarfile.TarError, OSError) as exc:
            raise ArchiveError('%s is not a complete tar archive (%s).' % (path, exc))
        try:
            if 'manifest.json' in members:
                manifest = _read_member(archive, members['manifest.json'])
                if not isinstance(manifest, list):
                    raise ArchiveError('manifest.json in %s is not a list.' % path)
                return [{'id': _id_from_config(str(entry.get('Config') or '')), 'names': list(entry.get('RepoTags') or [])}
                        for entry in manifest if isinstance(entry, dict) and entry.get('Config')]
            if 'index.json' in members:
                return _read_oci(archive, members, path)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ArchiveError('The metadata in %s is not valid JSON (%s).' % (path, exc))
    raise ArchiveError('%s is a tar archive but not an image archive: it has neither manifest.json nor index.json.' % path)


def _short_name(name: str) -> str:
    """``docker.io/library/busybox:1`` -> ``busybox:1``, as RepoTags spell Docker Hub names."""
    if name.startswith('docker.io/library/') and '/' not in name[len('docker.io/library/'):]:
        return name[len('docker.io/library/'):]
    if name.startswith('docker.io/'):
        return name[len('docker.io/'):]
    return name


def _read_oci(archive: tarfile.TarFile, members: dict[str, tarfile.TarInfo], path: str) -> list[dict[str, t.Any]]:
    index = _read_member(archive, members['index.json'])
    images = []
    for desc in (index.get('manifests') or []) if isinstance(index, dict) else []:
        digest = str(desc.get('digest') or '')
        annotations = desc.get('annotations') or {}
        name = annotations.get('io.containerd.image.name') or annotations.get('org.opencontainers.image.ref.name')
        blob = members.get('blobs/' + digest.replace(':', '/', 1))
        image_id = digest
        if blob is not None:
            manifest = _read_member(archive, blob)
            config = manifest.get('config') if isinstance(manifest, dict) else None
            if isinstance(config, dict) and config.get('digest'):
                image_id = str(config['digest'])
        images.append({'id': image_id, 'names': [_short_name(name)] if name and ':' in name.rsplit('/', 1)[-1] else []})
    if not images:
        raise ArchiveError('index.json in %s names no image.' % path)
    return images


# --- load ---------------------------------------------------------------------------------------------------------

def _file_chunks(path: str) -> t.Iterator[bytes]:
    size = CHUNK_SIZE
    with open(path, 'rb') as handle:
        while True:
            chunk = handle.read(size)
            if not chunk:
                return
            yield chunk


def parse_load_output(lines: t.Iterable[str]) -> list[str]:
    """Names and IDs from the daemon's ``Loaded image: x`` / ``Loaded image ID: sha256:...`` lines, in order."""
    names: list[str] = []
    for line in lines:
        line = line.strip()
        for prefix in ('Loaded image ID: ', 'Loaded image: '):
            if line.startswith(prefix):
                name = line[len(prefix):].strip()
                if name and name not in names:
                    names.append(name)
                break
    return names


def load_archive(client: EngineClient, path: str) -> tuple[list[str], list[str]]:
    """Send ``path`` to POST /images/load in chunks; returns (loaded names, output lines)."""
    size = os.path.getsize(path)
    headers = {'Content-Type': 'application/x-tar', 'Content-Length': str(size)}
    try:
        response = client.request('POST', '/images/load', {'quiet': False}, data=_file_chunks(path),
                                  headers=headers, stream=True, timeout=None)
    except APIError as exc:
        raise APIError(exc.status, exc.message, 'POST', '/images/load',
                       msg='Loading %s failed: %s' % (path, exc.message))
    lines: list[str] = []
    partial = ''
    with response:
        decoder = JSONStreamDecoder()
        try:
            for chunk in response.iter_chunks():
                for obj in decoder.feed(chunk):
                    message = stream_error_message(obj) if isinstance(obj, dict) else None
                    if message is not None:
                        raise StreamError('Loading %s failed: %s' % (path, message), log=lines)
                    text = obj.get('stream') if isinstance(obj, dict) else None
                    if isinstance(text, str):
                        partial += text
                        while '\n' in partial:
                            line, partial = partial.split('\n', 1)
                            lines.append(line)
            decoder.finish()
        except (socket.timeout, TimeoutError, OSError, http.client.HTTPException) as exc:
            raise ConnectionProblem('The connection to the daemon broke while %s was being loaded (%s).' % (path, exc),
                                    log=lines)
    if partial.strip():
        lines.append(partial)
    return parse_load_output(lines), lines


def _inspect_all(client: EngineClient, names: t.Iterable[str]) -> list[dict[str, t.Any]]:
    images: list[dict[str, t.Any]] = []
    seen: set[str] = set()
    for name in names:
        found = inspect_image(client, name)
        if found is not None and found.get('Id') not in seen:
            seen.add(found.get('Id'))
            images.append(found)
    return images


def image_load(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    """The image_load module: load an archive made by ``docker save`` (or image_export)."""
    path = params['path']
    if not os.path.isfile(path):
        raise ConfigurationError('path %s does not exist or is not a file.' % path)
    contents = read_archive(path)  # fails clearly on a file that is not an image archive, before anything is sent
    if check_mode:
        names: list[str] = []
        for entry in contents:
            names.extend(entry['names'] or [entry['id']])
        return {'changed': True, 'image_names': names, 'images': _inspect_all(client, names)}
    names, lines = load_archive(client, path)
    result: dict[str, t.Any] = {'changed': bool(names), 'image_names': names, 'images': _inspect_all(client, names)}
    if not names:
        result['warnings'] = ['The daemon loaded no image from %s: %s' % (path, ' / '.join(lines) or 'no output')]
    return result


# --- export -------------------------------------------------------------------------------------------------------

def _platform_json(text: str) -> dict[str, str]:
    parts = text.strip().split('/')
    if len(parts) not in (2, 3) or not all(parts):
        raise ConfigurationError('platform must be os/arch or os/arch/variant, for example linux/amd64; got %r.' % text)
    platform = {'os': parts[0].lower(), 'architecture': parts[1].lower()}
    if len(parts) == 3:
        platform['variant'] = parts[2]
    return platform


def export_names(params: t.Mapping[str, t.Any]) -> list[str]:
    """``names`` with ``tag`` added to those without one; IDs stay as they are."""
    names = []
    for name in params.get('names') or []:
        if is_image_id(name) or (name.startswith('sha256:')):
            names.append(name)
            continue
        ref = parse_reference(name, default_tag=params.get('tag') or 'latest', option='names')
        names.append(str(ref))
    return names


def _write_export(client: EngineClient, query: dict[str, t.Any], path: str) -> int:
    directory = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=directory, prefix='.%s.' % os.path.basename(path), suffix='.part')
    written = 0
    try:
        with os.fdopen(fd, 'wb') as handle:
            response = client.request('GET', '/images/get', query, stream=True, timeout=None)
            with response:
                try:
                    for chunk in response.iter_chunks():
                        handle.write(chunk)
                        written += len(chunk)
                except (socket.timeout, TimeoutError, OSError, http.client.HTTPException) as exc:
                    raise ConnectionProblem('The export to %s broke off after %d bytes (%s); %s was left as it was.'
                                            % (path, written, exc, path))
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return written


def image_export(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    """The image_export module: ``docker save`` of one or more images into ``path``, idempotent by image IDs."""
    path = params['path']
    names = export_names(params)
    if not names:
        raise ConfigurationError('names must name at least one image.')
    query: dict[str, t.Any] = {'names': names}
    if params.get('platform'):
        client.require_api(PLATFORM_API, 'platform')
        query['platform'] = json.dumps(_platform_json(params['platform']), separators=(',', ':'))
    images = []
    missing = []
    for name in names:
        found = inspect_image(client, name)
        if found is None:
            missing.append(name)
        else:
            images.append(found)
    if missing:
        raise ConfigurationError('Cannot export %s: no such image on the daemon.' % ', '.join(missing), missing=missing)
    wanted_ids = sorted({str(image.get('Id')) for image in images})
    result: dict[str, t.Any] = {'changed': False, 'images': images}
    if os.path.isdir(path):
        raise ConfigurationError('path %s is a directory; give the file name of the archive.' % path)
    if not params.get('force') and os.path.exists(path):
        try:
            have = read_archive(path)
        except ArchiveError:
            have = []
        have_ids = sorted({entry['id'] for entry in have})
        have_names = {_short_name(name) for entry in have for name in entry['names']}
        # the same images, and every name asked for is tagged in the archive (docker load restores it)
        wanted_names = {_short_name(name) for name in names if not name.startswith('sha256:') and '@' not in name}
        if have_ids == wanted_ids and wanted_names <= have_names:
            return result
    result['changed'] = True
    if diff:
        result['diff'] = {'before': {'path': path, 'exists': os.path.exists(path)},
                          'after': {'path': path, 'image_ids': wanted_ids}}
    if check_mode:
        return result
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise ConfigurationError('The directory of path (%s) does not exist.' % parent)
    try:
        _write_export(client, query, path)
    except APIError as exc:
        raise APIError(exc.status, exc.message, 'GET', '/images/get', msg='Exporting %s failed: %s' % (', '.join(names), exc.message))
    return result


__all__ = ['ArchiveError', 'export_names', 'image_export', 'image_load', 'load_archive', 'parse_load_output',
           'read_archive']
