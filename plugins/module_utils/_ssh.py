# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ssh:// transport: HTTP over ``ssh ... docker system dial-stdio``, as the docker CLI does it.

The system's OpenSSH client runs ``docker system dial-stdio`` on the remote host; that command
copies its stdin/stdout to the remote daemon's socket. One end of a ``socket.socketpair()`` is
the ssh process's stdin and stdout, the other end is the HTTP connection's socket, so time-outs,
``sendall``/``recv``, ``shutdown(SHUT_WR)`` (which reaches dial-stdio as the end of its stdin) and
hijacked exec streams work as they do over a unix socket.

Everything the user's ssh configuration says (``~/.ssh/config``, the agent, keys, ports,
ProxyJump, known_hosts) applies: we pass only ``-T``, ``BatchMode=yes`` (nothing may prompt) and
the connection-sharing options (a control master per host, so that a play pays one handshake
per host rather than one per task). Two environment variables adjust that:

- ``DOCKERAPI_SSH_OPTS``: more ssh arguments, split like a shell does (``-F file``, ``-i key``,
  ``-o UserKnownHostsFile=...``); they come before ours, so their ``-o`` options win.
- ``DOCKERAPI_SSH_CONTROL_PERSIST``: how long an idle control master stays (default 60 seconds);
  ``0``/``no``/``off``/``false`` turns sharing off, ``config`` leaves it to the ssh configuration.
- ``DOCKERAPI_SSH_CONTROL_DIR``: where the control sockets live (default ``<tmp>/dockerapi-ssh-<uid>``, mode 0700).

ssh's stderr goes to an unnamed temporary file, never to a pipe: a control master that
daemonises keeps the descriptors it was started with, and a pipe would then never reach EOF.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import stat
import subprocess
import tempfile
import typing as t

from ._errors import ConfigurationError, ConnectionProblem

ENV_OPTS = 'DOCKERAPI_SSH_OPTS'
ENV_PERSIST = 'DOCKERAPI_SSH_CONTROL_PERSIST'
ENV_CONTROL_DIR = 'DOCKERAPI_SSH_CONTROL_DIR'
DEFAULT_PERSIST = '60'
REMOTE_COMMAND = ('docker', 'system', 'dial-stdio')
# A unix socket path holds at most 107 bytes; ssh first binds the control socket at the path plus
# '.' and 16 random characters, then links it into place. %C expands to 40 hex characters.
_SUN_PATH_MAX = 107
_CONTROL_NAME_LEN = 40 + 17
# How long a closed connection's ssh may take to exit by itself before it is terminated.
_EXIT_GRACE = 1.0
_STDERR_KEEP = 16 * 1024

_PERSIST_RE = re.compile(r'^(?:\d+[smhdw]?)+$', re.IGNORECASE)
_HOST_RE = re.compile(r'^[A-Za-z0-9_.%-]+$')
_USER_RE = re.compile(r'^[^\s@:/\\\'"`$;|&<>()]+$')


def parse_ssh_url(value: str, source: str = 'docker_host') -> tuple[str | None, str, int]:
    """Split ``ssh://[user@]host[:port]`` into (user or None, host, port or 0 for ssh's own default)."""
    text = value.strip()
    if not text.lower().startswith('ssh://'):
        raise ConfigurationError('%s %r is not an ssh:// URL. Use ssh://[user@]host[:port].' % (source, value))
    rest = text[len('ssh://'):]
    hint = 'Use ssh://[user@]host[:port], e.g. ssh://deploy@docker1.example.com or ssh://[2001:db8::1]:2222.'
    if '?' in rest or '#' in rest:
        raise ConfigurationError('%s %r has a query or fragment, which ssh:// does not take. %s' % (source, value, hint))
    if '/' in rest:
        netloc, path = rest.split('/', 1)
        if path:
            raise ConfigurationError(
                '%s %r has a path (/%s); an ssh:// host takes none (the remote daemon is reached through '
                '`docker system dial-stdio` on that host, with its default socket or DOCKER_HOST there). %s'
                % (source, value, path, hint))
    else:
        netloc = rest
    user: str | None = None
    if '@' in netloc:
        user, netloc = netloc.rsplit('@', 1)
        if ':' in user:
            raise ConfigurationError(
                '%s %r holds a password; ssh:// takes none (BatchMode never prompts or sends one). Use a key '
                '(ssh-agent or IdentityFile in ~/.ssh/config) instead.' % (source, '<hidden>'))
        if not user or not _USER_RE.match(user):
            raise ConfigurationError('%s %r has an empty or invalid user name. %s' % (source, value, hint))
    port_text = ''
    if netloc.startswith('['):
        host, sep, after = netloc[1:].partition(']')
        if not sep or (after and not after.startswith(':')):
            raise ConfigurationError('%s %r has an unclosed or malformed [IPv6] address. %s' % (source, value, hint))
        port_text = after[1:] if after else ''
        if after == ':':
            raise ConfigurationError('%s %r has an empty port. %s' % (source, value, hint))
        if not host or not re.match(r'^[0-9A-Fa-f:.%a-zA-Z0-9_-]+$', host) or ':' not in host:
            raise ConfigurationError('%s %r: %r is not an IPv6 address. %s' % (source, value, host, hint))
    else:
        if netloc.count(':') > 1:
            raise ConfigurationError(
                '%s %r: an IPv6 address must be written in brackets. %s' % (source, value, hint))
        host, sep, port_text = netloc.partition(':')
        if sep and not port_text:
            raise ConfigurationError('%s %r has an empty port. %s' % (source, value, hint))
        if not host:
            raise ConfigurationError('%s %r names no host. %s' % (source, value, hint))
        if host.startswith('-') or not _HOST_RE.match(host):
            raise ConfigurationError('%s %r: %r is not a valid host name. %s' % (source, value, host, hint))
    port = 0
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigurationError('%s %r: port %r is not a number from 1 to 65535. %s' % (source, value, port_text, hint))
        port = int(port_text)
    return user, host, port


def display(user: str | None, host: str, port: int) -> str:
    shown = '[%s]' % host if ':' in host else host
    return 'ssh://%s%s%s' % ('%s@' % user if user else '', shown, ':%d' % port if port else '')


def default_control_dir(environ: t.Mapping[str, str]) -> str:
    base = tempfile.gettempdir()
    name = 'dockerapi-ssh-%d' % os.getuid()
    path = os.path.join(base, name)
    if len(path) + 1 + _CONTROL_NAME_LEN > _SUN_PATH_MAX and os.path.isdir('/tmp'):
        path = os.path.join('/tmp', name)  # a long TMPDIR would make the socket path too long
    return path


def control_options(environ: t.Mapping[str, str]) -> tuple[list[str], str | None]:
    """The connection-sharing arguments and the control directory to prepare (None: nothing to prepare)."""
    value = (environ.get(ENV_PERSIST) or '').strip() or DEFAULT_PERSIST
    low = value.lower()
    if low in ('0', 'no', 'off', 'false'):
        return ['-o', 'ControlMaster=no', '-o', 'ControlPath=none'], None
    if low == 'config':
        return [], None
    if low != 'yes' and not _PERSIST_RE.match(low):
        raise ConfigurationError(
            '%s=%r is not a ControlPersist time. Use a number of seconds (60), a time such as 10m, yes (until the '
            'master is stopped), 0/no (no connection sharing) or config (leave it to your ssh configuration).'
            % (ENV_PERSIST, value))
    directory = (environ.get(ENV_CONTROL_DIR) or '').strip() or default_control_dir(environ)
    directory = os.path.abspath(os.path.expanduser(directory))
    if len(directory) + 1 + _CONTROL_NAME_LEN > _SUN_PATH_MAX:
        raise ConfigurationError(
            '%s %r is too long for ssh control sockets (a unix socket path holds at most %d bytes; this directory '
            'may have at most %d characters). Set %s to a shorter directory, or %s=0 to turn connection sharing off.'
            % (ENV_CONTROL_DIR, directory, _SUN_PATH_MAX, _SUN_PATH_MAX - 1 - _CONTROL_NAME_LEN, ENV_CONTROL_DIR, ENV_PERSIST))
    return ['-o', 'ControlMaster=auto', '-o', 'ControlPersist=%s' % value,
            '-o', 'ControlPath=%s' % os.path.join(directory, '%C')], directory


def extra_options(environ: t.Mapping[str, str]) -> list[str]:
    text = environ.get(ENV_OPTS) or ''
    try:
        args = shlex.split(text)
    except ValueError as exc:
        raise ConfigurationError('%s cannot be split into arguments (%s): check its quotes.' % (ENV_OPTS, exc))
    for arg in args:
        if arg == '--' or arg in ('-f', '-N', '-W', '-t', '-tt', '-s'):
            raise ConfigurationError(
                '%s holds %r, which would change what ssh runs. Give only options such as -F, -i, -J or -o.' % (ENV_OPTS, arg))
    return args


def ssh_arguments(environ: t.Mapping[str, str]) -> tuple[tuple[str, ...], str | None]:
    """Everything the environment adds to the ssh command line, validated: (arguments, control dir to prepare)."""
    control, directory = control_options(environ)
    return tuple(extra_options(environ) + ['-o', 'BatchMode=yes'] + control), directory


def build_argv(user: str | None, host: str, port: int, ssh_args: t.Sequence[str], ssh: str = 'ssh') -> list[str]:
    """The ssh command line: our options, the URL's user and port (they win over ssh_args), the host, the command."""
    argv = [ssh, '-T'] + list(ssh_args)
    if user:
        argv += ['-l', user]
    if port:
        argv += ['-p', str(port)]
    return argv + ['--', host] + list(REMOTE_COMMAND)


def prepare_control_dir(directory: str) -> None:
    """Make sure the control directory exists and is private to this user (mode 0700, ours, not a symlink)."""
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        info = os.lstat(directory)
    except OSError as exc:
        raise ConfigurationError(
            'Cannot create the ssh control directory %s (%s). Set %s to a writable directory, or %s=0 to turn '
            'connection sharing off.' % (directory, exc, ENV_CONTROL_DIR, ENV_PERSIST))
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise ConfigurationError(
            'The ssh control directory %s is not a directory owned by this user (uid %d): another user could '
            'hijack the shared connections. Remove it, or set %s to a private directory.'
            % (directory, os.getuid(), ENV_CONTROL_DIR))
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(directory, 0o700)


class SSHSocket(socket.socket):
    """Our end of the socket pair; closing it also ends (and reaps) the ssh process."""

    process: subprocess.Popen | None = None
    stderr_file: t.Any = None
    returncode: int | None = None
    stderr_text: str = ''

    def attach(self, process: subprocess.Popen, stderr_file: t.Any) -> None:
        self.process = process
        self.stderr_file = stderr_file

    def _read_stderr(self) -> str:
        handle = self.stderr_file
        if handle is None:
            return self.stderr_text
        try:
            size = os.fstat(handle.fileno()).st_size
            start = max(0, size - _STDERR_KEEP)
            # pread: the ssh process shares the file offset, which must not move under it
            data = os.pread(handle.fileno(), _STDERR_KEEP, start)
        except (OSError, ValueError):
            return self.stderr_text
        return data.decode('utf-8', 'replace')

    def diagnosis(self, wait: float = 0.0) -> tuple[int | None, str]:
        """(exit status or None while running, stderr text) of the ssh process."""
        process = self.process
        if process is not None and self.returncode is None:
            try:
                self.returncode = process.wait(wait) if wait > 0 else process.poll()
            except subprocess.TimeoutExpired:
                pass
            self.stderr_text = self._read_stderr()
        return self.returncode, self.stderr_text

    def reap(self) -> None:
        process = self.process
        if process is None:
            return
        self.diagnosis(_EXIT_GRACE)
        if self.returncode is None:
            try:
                process.terminate()
                self.returncode = process.wait(2)
            except subprocess.TimeoutExpired:
                process.kill()
                self.returncode = process.wait()
            except OSError:
                pass
            self.stderr_text = self._read_stderr()
        if self.stderr_file is not None:
            try:
                self.stderr_file.close()
            except OSError:
                pass
            self.stderr_file = None
        self.process = None

    def _real_close(self, *args: t.Any, **kwargs: t.Any) -> None:  # called once the last reference (makefile) is closed
        try:
            super()._real_close(*args, **kwargs)  # type: ignore[misc]
        finally:
            self.reap()


def open_socket(user: str | None, host: str, port: int, ssh_args: t.Sequence[str], control_dir: str | None,
                timeout: float | None, env: t.Sequence[t.Tuple[str, str]] = ()) -> SSHSocket:
    """Start ssh with dial-stdio on the remote and return our end of its stdin/stdout."""
    ssh = shutil.which('ssh')
    if ssh is None:
        raise ConnectionProblem(
            'The ssh client is not installed on the host that runs this task (no ssh in PATH %s), so %s cannot be '
            'reached. Install the OpenSSH client (e.g. apt-get install openssh-client, dnf install openssh-clients).'
            % (os.environ.get('PATH', ''), display(user, host, port)))
    if control_dir:
        prepare_control_dir(control_dir)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    stderr_file = tempfile.TemporaryFile()
    try:
        process = subprocess.Popen(  # pylint: disable=consider-using-with  # lives as long as the socket
            build_argv(user, host, port, ssh_args, ssh), stdin=theirs, stdout=theirs, stderr=stderr_file,
            close_fds=True, env=dict(os.environ, **dict(env)) if env else None)
    except OSError as exc:
        ours.close()
        theirs.close()
        stderr_file.close()
        raise ConnectionProblem('Cannot start the ssh client %s for %s: %s' % (ssh, display(user, host, port), exc))
    theirs.close()
    sock = SSHSocket(socket.AF_UNIX, socket.SOCK_STREAM, 0, fileno=ours.detach())
    sock.attach(process, stderr_file)
    sock.settimeout(timeout)
    return sock


def _last_lines(text: str, count: int = 3) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith('Warning: Permanently added')]
    return ' / '.join(lines[-count:])


def explain(returncode: int | None, stderr: str, user: str | None, host: str, port: int, generic: bool = True) -> str | None:
    """A message naming the problem and the fix for a failed ssh / dial-stdio, from ssh's stderr and exit status.

    ``generic``: also explain an exit status whose stderr names no known problem (not for a time-out,
    after which ssh was stopped by us).
    """
    where = display(user, host, port)
    try_cmd = 'ssh %s%s%s docker version' % ('-p %d ' % port if port else '', '%s@' % user if user else '', host)
    said = _last_lines(stderr)
    quoted = ' (ssh said: %s)' % said if said else ''
    low = stderr.lower()
    if 'could not resolve hostname' in low or 'name or service not known' in low:
        return ('Cannot reach %s: the host name %r cannot be resolved%s. Check the host in docker_host (or a Host entry '
                'in ~/.ssh/config) and DNS.' % (where, host, quoted))
    if 'connection refused' in low and 'connect to host' in low:
        return ('Cannot reach %s: nothing accepts SSH connections on that address and port (connection refused)%s. '
                'Check the port in docker_host (or ~/.ssh/config) and that sshd runs on the host.' % (where, quoted))
    if 'no route to host' in low or 'network is unreachable' in low:
        return ('Cannot reach %s: the host is unreachable from here (no route)%s. Check the address, the network and '
                'firewalls.' % (where, quoted))
    if 'connection timed out' in low or 'operation timed out' in low:
        return ('Cannot reach %s: the SSH connection timed out%s. Check that the host is up and that no firewall drops '
                'the port.' % (where, quoted))
    if 'remote host identification has changed' in low or ('host key for' in low and 'has changed' in low):
        return ('The SSH host key of %s has CHANGED since it was stored in known_hosts, so ssh refused to connect%s. '
                'This can mean someone intercepts the connection. If the host was reinstalled, verify its new key '
                'out of band, then replace the old one (ssh-keygen -R %s) and add the new one to known_hosts.'
                % (where, quoted, host if not port else '"[%s]:%d"' % (host, port)))
    if 'host key verification failed' in low or 'host key is known for' in low:
        return ('The SSH host key of %s is not known (not in known_hosts), and ssh does not ask in batch mode: '
                'host key verification failed. Verify the host\'s key and add it to known_hosts (for example connect '
                'once by hand: %s), or point ssh at a known_hosts file that holds it (UserKnownHostsFile in '
                '~/.ssh/config). Do not turn host key checking off.' % (where, try_cmd))
    if re.search(r'Permission denied \((publickey|password|keyboard|gssapi|hostbased)', stderr) \
            or 'too many authentication failures' in low:
        return ('SSH authentication failed for %s: the server accepted none of the keys offered for user %s%s. Check '
                'the user name, load the key into ssh-agent (ssh-add) or name it with IdentityFile in ~/.ssh/config, '
                'and make sure its public key is in the user\'s ~/.ssh/authorized_keys on the host (no password can be '
                'given: ssh runs in batch mode).' % (where, user or 'of your ssh configuration', quoted))
    if 'unprotected private key file' in low or ('bad permissions' in low and 'key' in low):
        return ('ssh refused to use a private key for %s because other users can read it%s. chmod 600 the key file.'
                % (where, quoted))
    if 'bad owner or permissions' in low or 'bad configuration option' in low or 'command-line line' in low \
            or 'unsupported option' in low:
        return ('ssh rejected its configuration or options for %s%s. Fix the ssh configuration (~/.ssh/config, '
                'mode 0600) or %s.' % (where, quoted, ENV_OPTS))
    if 'kex_exchange_identification' in low or ('connection closed by' in low and 'port' in low) \
            or 'connection reset by peer' in low:
        return ('Cannot reach %s: the SSH server closed the connection before authentication%s. Check that it is an '
                'SSH server, its MaxStartups and logs (journalctl -u ssh).' % (where, quoted))
    if re.search(r'docker: (command )?not found', low) or returncode == 127:
        return ('%s has no docker command for the SSH user (%s)%s. The ssh:// transport runs `docker system '
                'dial-stdio` there: install the Docker CLI on that host (docker-ce-cli or docker.io), or put it in the '
                'PATH of non-interactive SSH sessions.' % (where, 'exit status 127' if returncode == 127 else 'not found', quoted))
    if 'dial-stdio' in low and ('unknown command' in low or 'is not a docker command' in low):
        return ('The Docker CLI on %s is too old for `docker system dial-stdio` (added in 18.09)%s. Upgrade Docker on '
                'that host.' % (where, quoted))
    if 'permission denied' in low and ('docker daemon socket' in low or 'docker.sock' in low or 'dial unix' in low):
        return ('The SSH user on %s may not use the Docker daemon there (permission denied on its socket)%s. Add the '
                'user to the docker group on that host (usermod -aG docker %s, then log in again), or use a user that '
                'is in it.' % (where, quoted, user or '<user>'))
    if ('cannot connect to the docker daemon' in low or 'is the docker daemon running' in low
            or ('dial unix' in low and ('no such file or directory' in low or 'connection refused' in low))):
        return ('The Docker daemon on %s is not running (its socket does not answer)%s. Start it there '
                '(systemctl start docker) and check journalctl -u docker.' % (where, quoted))
    if generic and returncode is not None and returncode > 0:
        if returncode == 255:
            return ('The SSH connection to %s failed (ssh exit status 255)%s. Try it by hand: %s'
                    % (where, quoted or ' (ssh said nothing)', try_cmd))
        return ('`docker system dial-stdio` on %s failed (exit status %d)%s. Try it by hand: %s'
                % (where, returncode, quoted or ' (it said nothing)', try_cmd))
    return None
