# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Commands and files inside a running container, for the engine_api connection plugin.

- ``run``: one exec (create, start, inspect), stdout and stderr demultiplexed, the exit code; stdin is
  written while the output is read (``_exec``'s hijack, TLS memory-BIO stream or plain socket). With a
  ``become`` check the output is watched for the privilege escalation prompt before stdin is sent, and
  the password goes first (as community.docker's docker_api connection does).
- ``put_file``: ``PUT /containers/{id}/archive``, a one-entry tar generated on the fly (``_copy.tar_stream``):
  constant memory whatever the file's size.
- ``fetch_file``: ``GET /containers/{id}/archive``, the tar stream read member by member and the file's
  bytes written to the local file chunk by chunk (symbolic links in the container are followed).

Errors are ``EngineError`` subclasses with a message naming the container, the daemon and the fix:
``ContainerUnavailable`` (missing, not running, paused), ``RemoteFileMissing``.
"""

from __future__ import annotations

import os
import posixpath
import re
import socket
import tarfile
import typing as t

from ._client import API_FLOOR, OUR_MAX_API, EngineClient, quote_path, version_tuple
from ._copy import Source, path_stat, tar_stream
from ._errors import APIError, ConfigurationError, Conflict, ConnectionProblem, EngineError, NotFound
from ._exec import STDERR, STDOUT, OutputCollector, _Deadline, _read_plain, _TLSExecStream, exchange_plain

CHUNK = 64 * 1024
MAX_LINK_HOPS = 32
# Output is handed to Ansible whole: no cut (Ansible itself holds it in memory).
_NO_LIMIT = 1 << 62
_IDS_RE = re.compile(r'^(\d+):(\d+)$')

# What the become check says about the output read so far.
BECOME_WAIT, BECOME_SUCCESS, BECOME_PROMPT = 'wait', 'success', 'prompt'


class ContainerUnavailable(EngineError):
    """The container does not exist, or is not running, or is paused."""


class RemoteFileMissing(EngineError):
    """A path in the container (or its directory) does not exist."""


_PING_VERSION_RE = re.compile(r'^1\.\d{1,3}$')


def negotiate_quick(client: EngineClient) -> None:
    """Pick the API version from ``GET /_ping``'s API-Version header, as the docker CLI does.

    ``GET /version`` (EngineClient.negotiate) makes the daemon ask containerd and run ``runc --version``; a
    connection plugin negotiates in every task's worker, so the cheap ping is used. A pinned api_version, a
    missing header or a daemon older than the collection's floor go through negotiate() (its checks and messages).
    """
    if client.settings.api_version:
        client.negotiate()
        return
    response = client.request('GET', '/_ping', versioned=False)
    header = (response.headers.get('Api-Version') or '').strip()
    if not _PING_VERSION_RE.match(header):
        client.negotiate()
        return
    use = min(version_tuple(header), version_tuple(OUR_MAX_API))
    if use < version_tuple(API_FLOOR):
        client.negotiate()
        return
    client.api_version = '.'.join(str(part) for part in use)


def _where(client: EngineClient) -> str:
    return client.settings.display


def _container_error(client: EngineClient, container: str, exc: APIError) -> EngineError:
    """Exec/archive errors that are about the container itself, as one clear message."""
    text = exc.message or ''
    if isinstance(exc, NotFound) and 'container' in text.lower() and ('no such' in text.lower() or 'not found' in text.lower()):
        return ContainerUnavailable(
            'Container %s does not exist on the Docker daemon at %s (%s). Check the host\'s remote_addr '
            '(ansible_host / ansible_docker_host, or the inventory name) and its docker_host '
            '(ansible_docker_docker_host), or create and start the container first.' % (container, _where(client), text))
    if isinstance(exc, Conflict) or exc.status == 409:
        what = 'is paused' if 'paused' in text.lower() else 'is not running'
        return ContainerUnavailable(
            'Container %s on the Docker daemon at %s %s (%s), so no task can run in it. Start (or unpause) it '
            'first, e.g. with dockerapi.engine.container and state: started.' % (container, _where(client), what, text))
    return EngineError('The Docker daemon at %s refused the request for container %s (HTTP %d): %s'
                       % (_where(client), container, exc.status, text))


def _strip_prompt(out: OutputCollector) -> None:
    """Forget the output read before the password was sent (the prompt); the frame state stays."""
    out.kept[STDOUT].clear()
    out.kept[STDERR].clear()


def _wait_for_prompt(receive: t.Callable[[], bytes], out: OutputCollector,
                     become_check: t.Callable[[bytes], str]) -> str:
    """Read output until the become check sees the prompt or the success marker; returns which."""
    while True:
        state = become_check(bytes(out.kept[STDOUT]) + bytes(out.kept[STDERR]))
        if state != BECOME_WAIT:
            return state
        chunk = receive()
        if not chunk:
            raise EngineError('The command ended (its output closed) while waiting for the privilege escalation '
                              'password prompt. Output so far: %r' % (bytes(out.kept[STDOUT]) + bytes(out.kept[STDERR]))[-500:])
        out.feed(chunk)


def _timed_receive(read: t.Callable[[], bytes], sock: socket.socket, seconds: float, what: str) -> t.Callable[[], bytes]:
    def receive() -> bytes:
        sock.settimeout(seconds)
        try:
            return read()
        except (socket.timeout, TimeoutError):
            raise EngineError('No privilege escalation password prompt (nor success) came within %g s (%s; '
                              'container_timeout). Check become_method and become_user, or raise container_timeout.'
                              % (seconds, what)) from None
    return receive


def run(client: EngineClient, container: str, argv: list[str], *, stdin: bytes | None = None, user: str | None = None,
        env: t.Mapping[str, str] | None = None, workdir: str | None = None, privileged: bool = False,
        become_check: t.Callable[[bytes], str] | None = None, become_password: bytes | None = None,
        prompt_timeout: float = 10.0) -> tuple[int, bytes, bytes]:
    """Run ``argv`` in ``container``; (exit code, stdout, stderr). Exceptions: EngineError subclasses."""
    need_stdin = stdin is not None or become_check is not None
    body: dict[str, t.Any] = {'Cmd': argv, 'AttachStdin': need_stdin, 'AttachStdout': True, 'AttachStderr': True,
                              'Tty': False, 'User': user or '', 'Privileged': bool(privileged)}
    if env:
        body['Env'] = ['%s=%s' % (k, v) for k, v in env.items()]
    if workdir:
        body['WorkingDir'] = workdir
    try:
        created = client.post_json('/containers/%s/exec' % quote_path(container), None, body)
    except APIError as exc:
        raise _container_error(client, container, exc) from None
    exec_id = created.get('Id') if isinstance(created, dict) else None
    if not exec_id:
        raise EngineError('The Docker daemon at %s created no exec instance in container %s (its answer has no Id).'
                          % (_where(client), container))
    start = {'Detach': False, 'Tty': False}
    out = OutputCollector(False, _NO_LIMIT)
    deadline = _Deadline(None)
    path = '/exec/%s/start' % exec_id
    try:
        if not need_stdin:
            _read_plain(client, exec_id, start, out, deadline)
        elif client.settings.tls:
            stream = _TLSExecStream(client, path)
            try:
                out.feed(stream.start(start))
                data = stdin or b''
                if become_check is not None:
                    def tls_read() -> bytes:
                        while True:
                            got = stream.decrypted()
                            if got or stream.eof:
                                return got
                            try:
                                stream._receive_blocking()  # pylint: disable=protected-access
                            except ConnectionResetError:
                                return b''
                    state = _wait_for_prompt(_timed_receive(tls_read, t.cast(socket.socket, stream.raw), prompt_timeout,
                                                            'TLS exec stream'), out, become_check)
                    if state == BECOME_PROMPT:
                        _strip_prompt(out)
                        data = (become_password or b'') + b'\n' + data
                stream.exchange(data, out, deadline)
            finally:
                stream.close()
        else:
            sock, early = client.hijack('POST', path, start)
            try:
                out.feed(early)
                data = stdin or b''
                if become_check is not None:
                    state = _wait_for_prompt(_timed_receive(lambda: sock.recv(CHUNK), sock, prompt_timeout, 'exec stream'),
                                             out, become_check)
                    if state == BECOME_PROMPT:
                        _strip_prompt(out)
                        data = (become_password or b'') + b'\n' + data
                exchange_plain(sock, data, out, deadline)
            finally:
                sock.close()
        out.finish()
    except OSError as exc:
        raise client._describe_failure(exc, 'POST', path, client.settings.timeout) from None  # pylint: disable=protected-access
    info = client.get_json('/exec/%s/json' % exec_id) or {}
    code = info.get('ExitCode') if isinstance(info, dict) else None
    if code is None:
        raise EngineError('The command in container %s did not complete: the daemon at %s reports no exit code '
                          '(the exec stream was cut). Run the task again.' % (container, _where(client)))
    return int(code), bytes(out.kept[STDOUT]), bytes(out.kept[STDERR])


def user_ids(client: EngineClient, container: str, user: str | None) -> tuple[int, int]:
    """The uid and gid files put into the container get: ``user``'s, else the container's configured user's."""
    if not user:
        try:
            info = client.get_json('/containers/%s/json' % quote_path(container))
        except APIError as exc:
            raise _container_error(client, container, exc) from None
        user = ((info or {}).get('Config') or {}).get('User') or ''
        if not user:
            return 0, 0
    match = _IDS_RE.match(user)
    if match:
        return int(match.group(1)), int(match.group(2))
    rc, out, err = run(client, container, ['/bin/sh', '-c', 'id -u && id -g'], user=user)
    lines = out.decode('utf-8', 'replace').split()
    if rc != 0 or len(lines) != 2 or not all(line.isdigit() for line in lines):
        raise EngineError('Could not find out the user and group ID of user %r in container %s with "id -u && id -g" '
                          '(exit code %s: %s). Check remote_user (ansible_user / ansible_docker_user).'
                          % (user, container, rc, (err or out).decode('utf-8', 'replace').strip()[:500]))
    return int(lines[0]), int(lines[1])


def put_file(client: EngineClient, container: str, in_path: str, out_path: str, uid: int, gid: int) -> None:
    """Copy the local file ``in_path`` to ``out_path`` (absolute) in the container, mode kept, owned uid:gid."""
    try:
        source = Source({'path': in_path})
    except ConfigurationError as exc:
        raise RemoteFileMissing(str(exc).replace(' (path)', '')) from None
    directory, name = posixpath.split(out_path)
    if not name:
        raise ConfigurationError('The destination %s in container %s names a directory, not a file.' % (out_path, container))
    length, body = tar_stream(name, source, uid, gid, source.mode)
    try:
        client.request('PUT', '/containers/%s/archive' % quote_path(container), {'path': directory or '/'}, data=body,
                       headers={'Content-Type': 'application/x-tar', 'Content-Length': str(length)})
    except ConnectionProblem as exc:
        # The daemon refuses a missing directory (or container) before it reads the body and closes: with a
        # large file the send breaks first. Ask it what is missing.
        try:
            found = path_stat(client, container, directory or '/')
            if found is None:
                client.get_json('/containers/%s/json' % quote_path(container))  # the container itself may be missing
        except APIError as stat_exc:
            raise _container_error(client, container, stat_exc) from None
        except EngineError:
            raise exc from None
        if found is None:
            raise RemoteFileMissing('Cannot put %s into container %s: the directory %s does not exist there.'
                                    % (out_path, container, directory or '/')) from None
        raise
    except APIError as exc:
        if isinstance(exc, NotFound) and 'no such container' not in (exc.message or '').lower():
            raise RemoteFileMissing('Cannot put %s into container %s: the directory %s does not exist there (%s).'
                                    % (out_path, container, directory or '/', exc.message)) from None
        error = _container_error(client, container, exc)
        if type(error) is EngineError:  # pylint: disable=unidiomatic-typecheck
            raise EngineError('Cannot put %s into container %s: %s' % (out_path, container, exc.message)) from None
        raise error from None


def _open_archive(client: EngineClient, container: str, path: str) -> t.Any:
    try:
        return client.request('GET', '/containers/%s/archive' % quote_path(container), {'path': path}, stream=True)
    except NotFound as exc:
        text = (exc.message or '').lower()
        if 'no such container' in text:
            raise _container_error(client, container, exc) from None
        raise RemoteFileMissing('%s does not exist in container %s (%s).' % (path, container, exc.message)) from None
    except APIError as exc:
        raise _container_error(client, container, exc) from None


def fetch_file(client: EngineClient, container: str, in_path: str, out_path: str) -> int:
    """Copy the file ``in_path`` of the container to the local ``out_path``; returns its size."""
    path = in_path
    for _hop in range(MAX_LINK_HOPS):
        with _open_archive(client, container, path) as response:
            with tarfile.open(fileobj=response.raw, mode='r|') as archive:
                member = archive.next()
                if member is None:
                    raise RemoteFileMissing('The daemon sent an empty archive for %s in container %s.' % (path, container))
                if member.issym():
                    target = member.linkname
                    path = target if target.startswith('/') else posixpath.normpath(
                        posixpath.join(posixpath.dirname(path), target))
                    for _rest in archive:
                        pass
                    continue
                if not member.isreg():
                    kind = 'a directory' if member.isdir() else 'not a regular file'
                    raise EngineError('%s in container %s is %s; only a file can be fetched.' % (in_path, container, kind))
                handle = archive.extractfile(member)
                size = 0
                with open(out_path, 'wb') as local:
                    while handle is not None:
                        chunk = handle.read(CHUNK)
                        if not chunk:
                            break
                        local.write(chunk)
                        size += len(chunk)
                for _rest in archive:
                    pass
                if size != member.size:
                    raise EngineError('The archive stream of %s in container %s ended after %d of %d bytes; run the task '
                                      'again.' % (in_path, container, size, member.size))
                return size
    raise EngineError('%s in container %s: too many levels of symbolic links.' % (in_path, container))


def local_path_problem(path: str) -> str | None:
    """Why a local destination directory cannot take a fetched file (for a clear message), or None."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        return 'the local directory %s does not exist' % directory
    if not os.access(directory, os.W_OK):
        return 'the local directory %s is not writable' % directory
    return None
