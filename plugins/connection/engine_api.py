# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: engine_api
short_description: Run tasks inside running containers through the Docker Engine API
version_added: 1.0.0
author:
  - dockerapi.engine team (@dockerapi)
description:
  - Runs commands (C(exec) create and start, stdout and stderr demultiplexed, the exit code from the exec's inspection)
    and copies files in both directions (the C(/containers/{id}/archive) endpoints, streamed with constant memory)
    inside a running container, talking to the Docker Engine API directly over a unix socket, TCP with (mutual) TLS,
    or C(ssh://) (the system C(ssh) client running C(docker system dial-stdio) on the remote host).
  - Needs nothing but Python's standard library on the controller, and a POSIX shell (and Python, for modules) in
    the container.
  - The connection settings are resolved like the modules' (option, then the C(DOCKER_*) environment variables, then
    the current docker CLI context, then C(unix:///var/run/docker.sock)); plain TCP to a host other than loopback is
    refused unless O(allow_insecure_tcp=true).
  - Option and variable names are those of community.docker's C(docker_api) connection, so an inventory written for it
    works by changing C(ansible_connection) to C(dockerapi.engine.engine_api). Unlike that plugin, this one works over
    TCP with TLS, including for commands with input (pipelining, become).
  - Supports pipelining (one exec per module run, the module on stdin) and become (C(su), C(sudo), ... inside the
    container; a password prompt is answered with the become password).
  - One connection to the daemon per host and task, kept open for all the task's requests; the API version is
    negotiated once per task (C(GET /_ping), as the docker CLI does).
notes:
  - Files copied into the container are owned by O(remote_user) (its user and group ID are looked up once per task with
    C(id -u && id -g)), or by the container's configured user, else root; their mode is the local file's.
  - Relative remote paths are taken from C(/).
seealso:
  - name: community.docker docker_api connection
    description: The connection plugin whose options this one takes.
    link: https://docs.ansible.com/ansible/latest/collections/community/docker/docker_api_connection.html
options:
  remote_addr:
    description:
      - The name or ID of the container to run tasks in.
    type: str
    default: inventory_hostname
    vars:
      - name: inventory_hostname
      - name: ansible_host
      - name: ansible_docker_host
  remote_user:
    description:
      - The user to run commands as inside the container (the exec's C(User)), a name or C(uid[:gid]).
      - Without it, the container's configured user.
    type: str
    vars:
      - name: ansible_user
      - name: ansible_docker_user
    ini:
      - section: defaults
        key: remote_user
    env:
      - name: ANSIBLE_REMOTE_USER
    cli:
      - name: user
    keyword:
      - name: remote_user
  docker_host:
    description:
      - The daemon that runs the container, as C(unix:///path/to/docker.sock), C(tcp://host:port), C(https://host:port)
        or C(ssh://[user@]host[:port]).
      - Without it, E(DOCKER_HOST), then the current docker CLI context, then C(unix:///var/run/docker.sock).
    type: str
    vars:
      - name: ansible_docker_docker_host
  tls:
    description:
      - Talk TLS to a C(tcp://) daemon. Turned on by itself by O(validate_certs), O(ca_path), O(client_cert),
        O(client_key), an C(https://) O(docker_host), E(DOCKER_TLS_VERIFY) or E(DOCKER_TLS).
    type: bool
    vars:
      - name: ansible_docker_tls
  validate_certs:
    description:
      - Verify the daemon's certificate and name. Defaults to V(true) whenever TLS is in use.
    type: bool
    vars:
      - name: ansible_docker_validate_certs
  ca_path:
    description:
      - The CA certificate (PEM) that signed the daemon's certificate. Default C(ca.pem) in E(DOCKER_CERT_PATH).
    type: path
    vars:
      - name: ansible_docker_ca_cert
      - name: ansible_docker_ca_path
  client_cert:
    description:
      - The client certificate (PEM). Default C(cert.pem) in E(DOCKER_CERT_PATH). Needs O(client_key).
    type: path
    vars:
      - name: ansible_docker_client_cert
  client_key:
    description:
      - The private key (PEM) of O(client_cert). Default C(key.pem) in E(DOCKER_CERT_PATH).
    type: path
    vars:
      - name: ansible_docker_client_key
  client_key_passphrase:
    description:
      - The passphrase of an encrypted O(client_key). Keep it in a vaulted variable.
    type: str
    vars:
      - name: ansible_docker_client_key_passphrase
  tls_hostname:
    description:
      - The name the daemon's certificate must carry, when it differs from the host in O(docker_host).
      - Default E(DOCKER_TLS_HOSTNAME), else the host in O(docker_host).
    type: str
    vars:
      - name: ansible_docker_tls_hostname
  api_version:
    description:
      - The Docker API version to speak, such as V(1.43), or V(auto) (negotiated with the daemon).
      - Default E(DOCKER_API_VERSION), else V(auto).
    type: str
    vars:
      - name: ansible_docker_api_version
  timeout:
    description:
      - Seconds to wait for each answer of the daemon (not for the commands, which may run as long as they take).
      - Default E(DOCKER_TIMEOUT), else 60.
    type: int
    vars:
      - name: ansible_docker_timeout
  allow_insecure_tcp:
    description:
      - Allow plain (unencrypted, unauthenticated) TCP to a host other than loopback.
    type: bool
    default: false
    vars:
      - name: ansible_docker_allow_insecure_tcp
  use_ssh_client:
    description:
      - Accepted for compatibility with community.docker; C(ssh://) hosts always use the system C(ssh) client.
    type: bool
    default: false
    vars:
      - name: ansible_docker_use_ssh_client
  container_timeout:
    description:
      - Seconds to wait for the privilege escalation password prompt (or success) when become needs a password.
    type: int
    default: 10
    env:
      - name: ANSIBLE_TIMEOUT
      - name: ANSIBLE_DOCKER_TIMEOUT
    ini:
      - section: defaults
        key: timeout
      - section: docker_connection
        key: timeout
    vars:
      - name: ansible_docker_timeout
    cli:
      - name: timeout
  extra_env:
    description:
      - Extra environment variables for every command run in the container. Keys and values must be strings.
    type: dict
    vars:
      - name: ansible_docker_extra_env
  working_dir:
    description:
      - The directory inside the container to run commands in (default the container's working directory).
    type: str
    env:
      - name: ANSIBLE_DOCKER_WORKING_DIR
    ini:
      - section: docker_connection
        key: working_dir
    vars:
      - name: ansible_docker_working_dir
  privileged:
    description:
      - Run commands with extended privileges. This allows a command to break out of the container; use with care.
    type: bool
    default: false
    env:
      - name: ANSIBLE_DOCKER_PRIVILEGED
    ini:
      - section: docker_connection
        key: privileged
    vars:
      - name: ansible_docker_privileged
"""

EXAMPLES = r"""
# inventory.yml: containers on two engines
all:
  vars:
    ansible_connection: dockerapi.engine.engine_api
  hosts:
    web1:
      ansible_docker_docker_host: unix:///var/run/docker.sock
    db1:
      ansible_host: db            # the container's name on that engine
      ansible_docker_docker_host: tcp://engine2.example.com:2376
      ansible_docker_ca_path: certs/ca.pem
      ansible_docker_client_cert: certs/cert.pem
      ansible_docker_client_key: certs/key.pem
    app1:
      ansible_docker_docker_host: ssh://deploy@engine3.example.com
      ansible_user: app           # the user inside the container
      ansible_docker_working_dir: /srv/app
"""

import os
import posixpath
import typing as t

from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.connection import ConnectionBase
from ansible.utils.display import Display

from ansible_collections.dockerapi.engine.plugins.module_utils._client import EngineClient
from ansible_collections.dockerapi.engine.plugins.module_utils._connection import resolve_settings
from ansible_collections.dockerapi.engine.plugins.module_utils._container_io import (
    BECOME_PROMPT,
    BECOME_SUCCESS,
    BECOME_WAIT,
    ContainerUnavailable,
    RemoteFileMissing,
    fetch_file,
    local_path_problem,
    negotiate_quick,
    put_file,
    run,
    user_ids,
)
from ansible_collections.dockerapi.engine.plugins.module_utils._errors import (
    ConfigurationError,
    ConnectionProblem,
    EngineError,
)

display = Display()

# Connection options handed to resolve_settings (the modules' option names).
SETTINGS_OPTIONS = ('docker_host', 'tls', 'validate_certs', 'ca_path', 'client_cert', 'client_key', 'client_key_passphrase',
                    'tls_hostname', 'api_version', 'timeout', 'allow_insecure_tcp', 'use_ssh_client')


def login_path(path: str) -> str:
    """Remote paths are absolute; a relative one is taken from / (as community.docker does)."""
    return posixpath.normpath('/' + path.lstrip('/'))


def env_list_checked(extra_env: t.Any) -> dict[str, str]:
    """extra_env as str -> str; refuse non-strings (a YAML 'yes' became a bool) with a clear message."""
    if not extra_env:
        return {}
    if not isinstance(extra_env, dict):
        raise AnsibleError('extra_env (ansible_docker_extra_env) must be a dict of strings, got %s.' % type(extra_env).__name__)
    result = {}
    for key, value in extra_env.items():
        for item, what in ((key, 'key'), (value, 'value')):
            if not isinstance(item, str):
                raise AnsibleError('extra_env (ansible_docker_extra_env) has a non-string %s %r (%s): quote it in YAML so '
                                   'it is not read as a number or boolean.' % (what, item, type(item).__name__))
        if '=' in key or not key:
            raise AnsibleError('extra_env (ansible_docker_extra_env) has an invalid variable name %r.' % key)
        result[key] = value
    return result


class Connection(ConnectionBase):
    """Tasks inside a container, through the Docker Engine API."""

    transport = 'dockerapi.engine.engine_api'
    has_pipelining = True

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._client: EngineClient | None = None
        self._ids: dict[str, tuple[int, int]] = {}

    # ---- connection -----------------------------------------------------------------

    @property
    def _container(self) -> str:
        return str(self.get_option('remote_addr'))

    def _settings_params(self) -> dict[str, t.Any]:
        params = {}
        for name in SETTINGS_OPTIONS:
            try:
                params[name] = self.get_option(name)
            except KeyError:
                params[name] = None
        return params

    def _connect(self) -> Connection:
        super()._connect()
        if self._connected and self._client is not None:
            return self
        try:
            settings = resolve_settings(self._settings_params(), os.environ)
        except ConfigurationError as exc:
            raise AnsibleError('Connection settings for container %s: %s' % (self._container, exc)) from None
        client = EngineClient(settings)
        try:
            negotiate_quick(client)
        except ConfigurationError as exc:
            client.close()
            raise AnsibleError('Connection settings for container %s: %s' % (self._container, exc)) from None
        except EngineError as exc:
            client.close()
            raise AnsibleConnectionFailure('Cannot reach the Docker daemon of container %s: %s'
                                           % (self._container, exc)) from None
        self._client = client
        display.vvv('ESTABLISH DOCKER ENGINE API CONNECTION (%s, API %s) FOR USER: %s'
                    % (settings.display, client.api_version, self.get_option('remote_user') or '?'), host=self._container)
        self._connected = True
        return self

    @property
    def client(self) -> EngineClient:
        if self._client is None:
            self._connect()
        return t.cast(EngineClient, self._client)

    def _fail(self, exc: EngineError, action: str) -> AnsibleError:
        """Our errors as Ansible's: the daemon or container out of reach -> unreachable; the rest -> failed."""
        if isinstance(exc, ConfigurationError):
            return AnsibleError('%s: %s' % (action, exc))
        if isinstance(exc, (ContainerUnavailable, ConnectionProblem)):
            return AnsibleConnectionFailure('%s: %s' % (action, exc))
        if isinstance(exc, RemoteFileMissing):
            return AnsibleFileNotFound('%s: %s' % (action, exc))
        return AnsibleConnectionFailure('%s: %s' % (action, exc))

    # ---- commands -------------------------------------------------------------------

    def _become_check(self, output: bytes) -> str:
        become = t.cast(t.Any, self.become)
        if become.check_success(output):
            return BECOME_SUCCESS
        if become.check_password_prompt(output):
            return BECOME_PROMPT
        return BECOME_WAIT

    def exec_command(self, cmd: str, in_data: bytes | None = None, sudoable: bool = True) -> tuple[int, bytes, bytes]:
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        client = self.client
        executable = self._play_context.executable or '/bin/sh'
        argv = [executable, '-c', to_text(cmd, errors='surrogate_or_strict')]
        do_become = bool(self.become and self.become.expect_prompt() and sudoable)
        stdin_note = ', with stdin (%d bytes)' % len(in_data) if in_data is not None else ''
        display.vvv('EXEC %s%s%s' % (argv, stdin_note, ', with become prompt' if do_become else ''), host=self._container)
        password = None
        if do_become:
            password = to_bytes(self.become.get_option('become_pass', playcontext=self._play_context) or '',
                                errors='surrogate_or_strict')
        try:
            rc, out, err = run(
                client, self._container, argv,
                stdin=to_bytes(in_data, errors='surrogate_or_strict') if in_data is not None else None,
                user=self.get_option('remote_user') or None,
                env=env_list_checked(self.get_option('extra_env')),
                workdir=self.get_option('working_dir') or None,
                privileged=bool(self.get_option('privileged')),
                become_check=self._become_check if do_become else None,
                become_password=password,
                prompt_timeout=float(self.get_option('container_timeout') or 10))
        except EngineError as exc:
            raise self._fail(exc, 'Running a command in container %s' % self._container) from None
        return rc, out, err

    # ---- files ----------------------------------------------------------------------

    def _owner(self) -> tuple[int, int]:
        user = self.get_option('remote_user') or ''
        if user not in self._ids:
            self._ids[user] = user_ids(self.client, self._container, user or None)
            display.vvvv('PUT: files owned by uid=%d gid=%d (user %r)' % (self._ids[user] + (user or 'of the container',)),
                         host=self._container)
        return self._ids[user]

    def put_file(self, in_path: str, out_path: str) -> None:
        super().put_file(in_path, out_path)
        out_path = login_path(out_path)
        display.vvv('PUT %s TO %s' % (in_path, out_path), host=self._container)
        if not os.path.exists(to_bytes(in_path, errors='surrogate_or_strict')):
            raise AnsibleFileNotFound('file or module does not exist: %s' % in_path)
        try:
            uid, gid = self._owner()
            put_file(self.client, self._container, in_path, out_path, uid, gid)
        except EngineError as exc:
            raise self._fail(exc, 'Putting %s into container %s' % (out_path, self._container)) from None

    def fetch_file(self, in_path: str, out_path: str) -> None:
        super().fetch_file(in_path, out_path)
        in_path = login_path(in_path)
        display.vvv('FETCH %s TO %s' % (in_path, out_path), host=self._container)
        problem = local_path_problem(out_path)
        if problem:
            raise AnsibleError('Cannot fetch %s from container %s to %s: %s.' % (in_path, self._container, out_path, problem))
        try:
            fetch_file(self.client, self._container, in_path, out_path)
        except EngineError as exc:
            raise self._fail(exc, 'Fetching %s from container %s' % (in_path, self._container)) from None
        except OSError as exc:
            raise AnsibleError('Cannot write %s (fetched from container %s): %s' % (out_path, self._container, exc)) from None

    # ---- life cycle -----------------------------------------------------------------

    def reset(self) -> None:
        """Forget the looked-up user IDs and reconnect on next use (e.g. after meta: reset_connection)."""
        self._ids.clear()
        self.close()

    def close(self) -> None:
        if self._client is not None:
            calls = self._client.calls
            display.vvvv('CLOSE: %d API requests on this connection: %s'
                         % (len(calls), ', '.join('%s %s' % call for call in calls[:40])), host=self._container)
            self._client.close()
            self._client = None
        self._connected = False
