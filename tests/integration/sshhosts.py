"""SSH-reachable test hosts (the systemd test host image) for the ssh:// transport tests and benchmarks.

Standard library only, so ``bench/`` scripts import it too (the ``ssh_host`` fixture of conftest.py uses it)::

    sys.path.insert(0, 'tests/integration')
    from sshhosts import start_hosts, remove_hosts
    hosts = start_hosts(3)                 # booted, users made, one private ssh config for all of them
    try:
        run(..., env=hosts[0].env())       # DOCKERAPI_SSH_OPTS="-F <config>" and a private control dir
    finally:
        remove_hosts(hosts)

Each host is a container ``dkapi13-ssh-<hex>`` of ``dockerapi-test/systemd-host:latest`` on a harness
daemon (``TESTHOST_DAEMON``, default d26, as the molecule scenarios), with sshd published on a
127.0.0.1 port and its own dockerd (Engine 20.10, socket activated). Inside:

* ``root`` (the harness key), ``alice`` (in group docker), ``bob`` (not in group docker: permission
  denied on the socket), ``carol`` (whose commands run with ``PATH=/nonexistent``: no docker);
  all log in with the harness key ``$DOCKERAPI_HARNESS_DIR/testhost/id_ed25519``.
* Nothing else is touched: the containers are labelled ``dockerapi.test=dkapi13-ssh`` and
  ``dockerapi.test.owner=<pid>``; hosts left behind by a process that died are removed by the next
  ``start_hosts``.

Per host set a private directory holds ``ssh_config`` (one ``Host <name>`` alias per host with
HostName/Port/User, then ``Host *`` with IdentityFile/IdentitiesOnly/UserKnownHostsFile), ``known_hosts``
(the host key read with ``docker exec cat /etc/ssh/ssh_host_ed25519_key.pub``, never a key scan),
``ssh_config_wrong_key`` (an unauthorised key), ``ssh_config_unknown_host`` (an empty known_hosts),
``ssh_config_changed_host_key`` (known_hosts with another key for the hosts),
and ``control/`` for the ssh control masters (``DOCKERAPI_SSH_CONTROL_DIR``).

The ssh:// transport reads extra ssh arguments from ``DOCKERAPI_SSH_OPTS`` and the reuse switch from
``DOCKERAPI_SSH_CONTROL_PERSIST`` (see plugins/module_utils/_ssh.py); :meth:`SshHost.env` sets them.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / 'tests' / 'harness'))

from harness_info import load, state_dir  # noqa: E402  (stdlib-only helper of the harness)

IMAGE = os.environ.get('TESTHOST_IMAGE', 'dockerapi-test/systemd-host:latest')
LABEL = 'dockerapi.test'
LABEL_VALUE = 'dkapi13-ssh'
OWNER_LABEL = 'dockerapi.test.owner'
USERS = ('alice', 'bob', 'carol')

# Run inside a fresh host as root. bash is every user's shell, so that a missing docker gives the
# message a real host gives ("bash: line 1: docker: command not found").
PROVISION = r'''
set -e
for u in alice bob carol; do id "$u" >/dev/null 2>&1 || useradd -m -s /bin/bash "$u"; done
usermod -aG docker alice
key=$(cat /root/.ssh/authorized_keys)
for u in alice bob carol; do
    install -d -m 0700 -o "$u" -g "$u" "/home/$u/.ssh"
    if [ "$u" = carol ]; then
        printf 'command="env PATH=/nonexistent /bin/bash -c \\"$SSH_ORIGINAL_COMMAND\\"" %s\n' "$key" > "/home/$u/.ssh/authorized_keys"
    else
        printf '%s\n' "$key" > "/home/$u/.ssh/authorized_keys"
    fi
    chown "$u:$u" "/home/$u/.ssh/authorized_keys"
    chmod 0600 "/home/$u/.ssh/authorized_keys"
done
cat /etc/ssh/ssh_host_ed25519_key.pub
'''


def testhost_daemon() -> str:
    return os.environ.get('TESTHOST_DAEMON', 'd26')


def daemon_host(daemon: str) -> str:
    entry = load()['daemons'][daemon]
    return entry.get('unix_host') or entry['docker_host']


def harness_key() -> Path:
    return Path(state_dir()) / 'testhost' / 'id_ed25519'


def _docker(daemon: str, *args: str, check: bool = True, timeout: float = 120, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    for name in ('DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_CONTEXT', 'DOCKER_TLS'):
        env.pop(name, None)
    env['DOCKER_HOST'] = daemon_host(daemon)
    proc = subprocess.run(['docker'] + list(args), env=env, capture_output=True, text=True, timeout=timeout, input=stdin, check=False)
    if check and proc.returncode != 0:
        raise RuntimeError('docker %s failed (rc %d): %s' % (' '.join(args), proc.returncode, proc.stderr.strip()))
    return proc


class SshHost:
    """One running test host; see the module docstring."""

    def __init__(self, name: str, daemon: str, port: int, workdir: Path) -> None:
        self.name = name
        self.alias = name
        self.daemon = daemon
        self.port = port
        self.workdir = workdir
        self.config = workdir / 'ssh_config'
        self.config_wrong_key = workdir / 'ssh_config_wrong_key'
        self.config_unknown_host = workdir / 'ssh_config_unknown_host'
        self.config_changed_host_key = workdir / 'ssh_config_changed_host_key'
        self.known_hosts = workdir / 'known_hosts'
        self.key = harness_key()
        self.wrong_key = workdir / 'wrong_key'
        self.control_dir = workdir / 'control'

    def url(self, user: str | None = 'root') -> str:
        """``ssh://user@127.0.0.1:port`` (no user: ssh's own default, i.e. the config's)."""
        return 'ssh://%s127.0.0.1:%d' % ('%s@' % user if user else '', self.port)

    @property
    def alias_url(self) -> str:
        """``ssh://<alias>``: user, port and address come from the ssh config."""
        return 'ssh://%s' % self.alias

    def env(self, config: Path | None = None, reuse: bool | str = True, control_dir: Path | None = None) -> dict:
        """Environment for a task that reaches this host over ssh:// with the private ssh config."""
        if reuse is True:
            persist = '60'
        elif reuse is False:
            persist = '0'
        else:
            persist = str(reuse)
        return {'DOCKERAPI_SSH_OPTS': '-F %s' % shlex.quote(str(config or self.config)),
                'DOCKERAPI_SSH_CONTROL_PERSIST': persist,
                'DOCKERAPI_SSH_CONTROL_DIR': str(control_dir or self.control_dir)}

    def ssh_argv(self, *command: str, user: str = 'root', config: Path | None = None, extra: tuple = ()) -> list[str]:
        """A plain ``ssh`` command line to this host through the private config (no control master)."""
        return (['ssh', '-F', str(config or self.config), '-o', 'BatchMode=yes', '-o', 'ControlMaster=no', '-o', 'ControlPath=none']
                + list(extra) + ['-l', user, self.alias, '--'] + list(command))

    def exec(self, *command: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        """``docker exec <host> ...`` as root through the harness daemon (not through ssh)."""
        return _docker(self.daemon, 'exec', self.name, *command, check=check, timeout=timeout)

    def docker(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        """The docker CLI inside the host: the witness of what a task did to the host's own daemon."""
        return self.exec('docker', *args, check=check, timeout=timeout)

    def ensure_image(self, image: str = 'dkapi13-ssh/busybox:latest') -> str:
        """A tiny busybox image in the host's own dockerd (imported from /opt/testhost/busybox-rootfs; no registry there)."""
        self.exec('sh', '-c', 'docker image inspect %s >/dev/null 2>&1 || tar -C /opt/testhost/busybox-rootfs -c . '
                  '| docker import -c \'CMD ["sh"]\' - %s >/dev/null' % (image, image))
        return image

    def accepted_logins(self, user: str) -> int:
        """How many SSH logins sshd accepted for ``user`` so far (each is one TCP connection + handshake)."""
        proc = self.exec('journalctl', '-q', '-o', 'cat', '_COMM=sshd', '--no-pager', check=False)
        return sum(1 for line in proc.stdout.splitlines() if line.startswith('Accepted publickey for %s ' % user))

    def stop_masters(self) -> None:
        """Stop the ssh control masters left in the work directory (``control/`` and any other directory below it)."""
        for sock in self.workdir.rglob('*'):
            if sock.is_socket():
                subprocess.run(['ssh', '-o', 'ControlPath=%s' % sock, '-O', 'exit', 'placeholder'], capture_output=True, timeout=10, check=False)

    def remove(self) -> None:
        self.stop_masters()
        _docker(self.daemon, 'rm', '-f', '-v', self.name, check=False)
        shutil.rmtree(self.workdir, ignore_errors=True)


def _owner_alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def remove_stale(daemon: str) -> None:
    """Remove hosts of this kind whose owning process is gone (a run that was killed)."""
    proc = _docker(daemon, 'ps', '-a', '--filter', 'label=%s=%s' % (LABEL, LABEL_VALUE),
                   '--format', '{{.Names}} {{.Label "%s"}}' % OWNER_LABEL, check=False)
    stale = [line.split()[0] for line in proc.stdout.splitlines() if len(line.split()) == 2 and not _owner_alive(line.split()[1])]
    if stale:
        _docker(daemon, 'rm', '-f', '-v', *stale, check=False)


def _owner_pid() -> int:
    """The process that outlives the host: the pytest controller under xdist, else this one."""
    return os.getppid() if os.environ.get('PYTEST_XDIST_WORKER') else os.getpid()


def _wait_booted(host: SshHost, deadline: float) -> None:
    state = ''
    while time.monotonic() < deadline:
        state = host.exec('systemctl', 'is-system-running', '--wait', check=False, timeout=60).stdout.strip()
        if state in ('running', 'degraded'):
            return
        time.sleep(0.2)
    raise RuntimeError('test host %s did not boot (state %r): docker exec %s systemctl --failed' % (host.name, state, host.name))


def write_config(path: Path, hosts: list[SshHost], identity: Path, known_hosts: Path) -> Path:
    """An ssh config with one alias per host and private defaults for every destination."""
    lines = []
    for host in hosts:
        lines += ['Host %s' % host.alias, '    HostName 127.0.0.1', '    Port %d' % host.port, '    User root', '']
    lines += ['Host *', '    IdentityFile %s' % identity, '    IdentitiesOnly yes', '    IdentityAgent none',
              '    UserKnownHostsFile %s' % known_hosts, '    GlobalKnownHostsFile /dev/null',
              '    CheckHostIP no', '    ConnectTimeout 20', '    LogLevel ERROR', '']
    path.write_text('\n'.join(lines))
    path.chmod(0o600)
    return path


def start_hosts(count: int = 1, daemon: str | None = None, timeout: float = 120) -> list[SshHost]:
    """Start ``count`` test hosts in parallel, provision their users, write one shared ssh config.

    All hosts share one work directory (``hosts[0].workdir``); ``remove_hosts`` removes them all.
    """
    daemon = daemon or testhost_daemon()
    env = dict(os.environ, DOCKER_HOST=daemon_host(daemon))
    built = subprocess.run([str(ROOT / 'tests' / 'harness' / 'testhost' / 'build-image')], env=env, capture_output=True, text=True,
                           timeout=900, check=False)
    if built.returncode != 0:
        raise RuntimeError('tests/harness/testhost/build-image failed: %s' % built.stderr[-2000:])
    remove_stale(daemon)
    version = _docker(daemon, 'version', '--format', '{{.Server.Version}}').stdout.strip()
    capdrop = ['--cap-drop', 'SYS_RESOURCE'] if int(version.split('.')[0]) < 23 else []
    workdir = Path(tempfile.mkdtemp(prefix='dkapi13-ssh-'))
    workdir.chmod(0o700)
    hosts: list[SshHost] = []
    try:
        for dummy in range(count):
            name = 'dkapi13-ssh-%s' % uuid.uuid4().hex[:10]
            _docker(daemon, 'run', '-d', '--pull=never', '--name', name, '--hostname', name,
                    '--label', '%s=%s' % (LABEL, LABEL_VALUE), '--label', '%s=%d' % (OWNER_LABEL, _owner_pid()),
                    '--cap-add', 'ALL', *capdrop, '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined',
                    '--device-cgroup-rule', 'a *:* rwm', '--cgroupns', 'host', '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw',
                    '--tmpfs', '/run', '--tmpfs', '/run/lock', '--stop-signal', 'SIGRTMIN+3', '-p', '127.0.0.1::22', IMAGE)
            port = int(_docker(daemon, 'port', name, '22/tcp').stdout.splitlines()[0].rsplit(':', 1)[1])
            hosts.append(SshHost(name, daemon, port, workdir))
        deadline = time.monotonic() + timeout
        host_keys: dict[str, str] = {}
        errors: list[str] = []

        def prepare(host: SshHost) -> None:
            try:
                _wait_booted(host, deadline)
                proc = _docker(daemon, 'exec', '-i', host.name, 'sh', '-s', stdin=PROVISION)
                host_keys[host.name] = proc.stdout.strip().splitlines()[-1]
            except Exception as exc:  # pylint: disable=broad-except  # reported below, with the host's name
                errors.append('%s: %s' % (host.name, exc))

        threads = [threading.Thread(target=prepare, args=(host,)) for host in hosts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise RuntimeError('test hosts failed to start: %s' % '; '.join(errors))
        known = workdir / 'known_hosts'
        known.write_text(''.join('[127.0.0.1]:%d %s\n' % (host.port, ' '.join(host_keys[host.name].split()[:2])) for host in hosts))
        (workdir / 'known_hosts_empty').write_text('')
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'dkapi13-wrong', '-f', str(workdir / 'wrong_key')],
                       capture_output=True, timeout=30, check=True)
        (workdir / 'control').mkdir(mode=0o700)
        write_config(workdir / 'ssh_config', hosts, harness_key(), known)
        write_config(workdir / 'ssh_config_wrong_key', hosts, workdir / 'wrong_key', known)
        write_config(workdir / 'ssh_config_unknown_host', hosts, harness_key(), workdir / 'known_hosts_empty')
        # Another key where the hosts' keys should be: what a re-installed host (or an attacker) looks like.
        other = ' '.join((workdir / 'wrong_key.pub').read_text().split()[:2])
        (workdir / 'known_hosts_changed').write_text(''.join('[127.0.0.1]:%d %s\n' % (host.port, other) for host in hosts))
        write_config(workdir / 'ssh_config_changed_host_key', hosts, harness_key(), workdir / 'known_hosts_changed')
        _wait_sshd(hosts, deadline)
    except BaseException:
        remove_hosts(hosts)
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return hosts


def _wait_sshd(hosts: list[SshHost], deadline: float) -> None:
    """sshd is socket-free (a service): wait until a login works (usually at once after boot)."""
    for host in hosts:
        while True:
            proc = subprocess.run(host.ssh_argv('true'), capture_output=True, text=True, timeout=30, check=False)
            if proc.returncode == 0:
                break
            if time.monotonic() > deadline:
                raise RuntimeError('ssh to test host %s (port %d) fails: %s' % (host.name, host.port, proc.stderr.strip()))
            time.sleep(0.2)


def remove_hosts(hosts: list[SshHost]) -> None:
    for host in hosts:
        host.stop_masters()
    by_daemon: dict[str, list[str]] = {}
    for host in hosts:
        by_daemon.setdefault(host.daemon, []).append(host.name)
    for daemon, names in by_daemon.items():
        _docker(daemon, 'rm', '-f', '-v', *names, check=False)
    for workdir in {host.workdir for host in hosts}:
        shutil.rmtree(workdir, ignore_errors=True)


def describe(hosts: list[SshHost]) -> str:
    return json.dumps([{'name': h.name, 'port': h.port, 'config': str(h.config), 'daemon': h.daemon} for h in hosts])
