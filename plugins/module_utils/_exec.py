# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""container_exec: run one command in a running container.

Without stdin the exec is started with a plain POST whose answer body is the whole output
(the daemon writes until the process ends, then closes), so no socket juggling is needed.
With stdin the connection is hijacked: write stdin, half-close, then read the frames. Either
way a non-TTY stream is 8-byte framed and demultiplexed into stdout and stderr; the exit
code comes from GET /exec/{id}/json afterwards.
"""

from __future__ import annotations

import socket
import typing as t

from ._client import EngineClient, demux, quote_path
from ._compare import as_argv, env_list
from ._errors import APIError, Conflict, EngineError, NotFound


def _buffer_reader(data: bytes) -> t.Callable[[int], bytes]:
    pos = [0]

    def read(size: int) -> bytes:
        chunk = data[pos[0]:pos[0] + size]
        pos[0] += len(chunk)
        return chunk
    return read


def _check_container(client: EngineClient, name: str) -> dict[str, t.Any]:
    try:
        container = client.get_json('/containers/%s/json' % quote_path(name))
    except NotFound:
        raise EngineError('Container %s does not exist, so nothing can be run in it. Check the name, or create it '
                          'with dockerapi.engine.container first.' % name)
    state = container.get('State') or {}
    if not state.get('Running'):
        raise EngineError('Container %s is not running (state: %s), so nothing can be run in it. Start it first '
                          '(dockerapi.engine.container with state: started).' % (name, state.get('Status', 'unknown')))
    if state.get('Paused'):
        raise EngineError('Container %s is paused; unpause it before running a command in it.' % name)
    return container


def _decode(data: bytes, strip: bool) -> str:
    text = data.decode('utf-8', 'replace')
    return text.strip('\r\n') if strip else text


def exec_service(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    name = params['container']
    argv = params.get('argv') or as_argv(params.get('command'), 'command')
    if not argv:
        raise EngineError('Give the command to run as argv (a list) or command (a string); it is empty.')
    tty = bool(params.get('tty'))
    stdin = params.get('stdin')
    if stdin is not None and params.get('stdin_add_newline', True) and not stdin.endswith('\n'):
        stdin += '\n'
    if stdin is not None and params.get('detach'):
        raise EngineError('stdin cannot be sent to a detached command; drop detach or stdin.')

    if stdin is not None and client.settings.tls:
        # Sending EOF needs a TLS half-close (close_notify while still reading), which Python's ssl
        # module cannot do; a full shutdown would lose the output.
        raise EngineError('stdin cannot be sent over a TLS connection (Python cannot half-close TLS). Run the task '
                          'on the daemon host through its unix socket, or pass the data another way (an env '
                          'variable, or a file copied into the container).')
    container = _check_container(client, name)
    if check_mode:
        # A command's effect cannot be predicted; the container is known to be running.
        return {'changed': True, 'container_id': container['Id']}

    body: dict[str, t.Any] = {'Cmd': argv, 'AttachStdout': True, 'AttachStderr': True, 'Tty': tty,
                              'AttachStdin': stdin is not None}
    if params.get('env'):
        body['Env'] = env_list(params['env'])
    if params.get('user'):
        body['User'] = params['user']
    if params.get('chdir'):
        body['WorkingDir'] = params['chdir']
    try:
        exec_id = client.post_json('/containers/%s/exec' % quote_path(container['Id']), None, body)['Id']
    except Conflict as exc:
        raise EngineError('Cannot run a command in container %s: %s Start or unpause it first.' % (name, exc.message),
                          status=exc.status)
    except APIError as exc:
        raise EngineError('Cannot run a command in container %s (HTTP %d): %s' % (name, exc.status, exc.message),
                          status=exc.status)

    start = {'Detach': bool(params.get('detach')), 'Tty': tty}
    result: dict[str, t.Any] = {'changed': True, 'exec_id': exec_id}
    if params.get('detach'):
        client.post_json('/exec/%s/start' % exec_id, None, start)
        return result

    if stdin is None:
        raw = client.request('POST', '/exec/%s/start' % exec_id, json_body=start, timeout=None).body or b''
        read = _buffer_reader(raw)
    else:
        sock, raw = client.hijack('POST', '/exec/%s/start' % exec_id, start)
        try:
            sock.sendall(stdin.encode('utf-8'))
            sock.shutdown(socket.SHUT_WR)
            raw += b''.join(iter(lambda: sock.recv(65536), b''))
        finally:
            sock.close()
        read = _buffer_reader(raw)
    if tty:
        stdout, stderr = raw, b''
    else:
        stdout, stderr = demux(read)
    strip = params.get('strip_empty_ends', True)
    info = client.get_json('/exec/%s/json' % exec_id) or {}
    result.update(stdout=_decode(stdout, strip), stderr=_decode(stderr, strip), rc=info.get('ExitCode'))
    if info.get('ExitCode'):
        # Ansible fails a result whose rc is not 0, as for ansible.builtin.command; say why.
        result['msg'] = 'The command exited with code %s.' % info['ExitCode']
    if info.get('ExitCode') is None:
        raise EngineError('The command in container %s did not complete (the daemon reports no exit code). Output: %s'
                          % (name, _decode(stdout + stderr, True)[-2000:]), **result)
    return result
