"""Real-daemon test harness for the dockerapi.engine collection (run it through ./harness).

Starts private Docker Engines (20.10 from the system, 26.1 and 28.5 unpacked from
newer Debian suites), a TLS-only 28.5 engine and two local registries, all under
one state directory outside the repository, and describes them in harness.json.

    harness up [d20 d26 d28 tls registry]   start (idempotent; default: all of these)
    harness up fleet                        opt-in: 10 extra 20.10 daemons f01..f10 (benchmarks)
    harness down                            stop everything it started (the fleet too)
    harness status                          print what is up
    harness env NAME                        print `export` lines for a daemon

Standard library only. See README.md beside this file.
"""

import argparse
import contextlib
import fcntl
import http.client
import ipaddress
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time

STATE_DIR = os.path.abspath(os.environ.get('DOCKERAPI_HARNESS_DIR') or '/var/tmp/dockerapi-harness')
HARNESS_JSON = os.path.join(STATE_DIR, 'harness.json')
STATE_JSON = os.path.join(STATE_DIR, 'state.json')

TEST_IMAGE = 'dockerapi-test/busybox:latest'
TLS_HOSTNAME = 'dockerapi-tls.test'
SERVER_NAMES = [TLS_HOSTNAME, 'localhost', '127.0.0.1']
REGISTRY_USER = 'dockerapi'
REGISTRY_PASSWORD = 'dockerapi-harness-pw'
ALL_COMPONENTS = ['d20', 'd26', 'd28', 'tls', 'registry']

# Debian packages the harness needs on the machine itself.
SYSTEM_PACKAGES = ['docker.io', 'containerd', 'runc', 'busybox-static', 'iproute2', 'iptables',
                   'openssl', 'docker-registry', 'apache2-utils', 'openssh-client']

# Newer engines: suite -> packages fetched with `apt-get download` and unpacked with `dpkg -x`.
# runc is deliberately NOT taken from the newer suites: their runc needs glibc >= 2.38,
# bookworm has 2.36; the system's runc 1.1.5 is used by every containerd.
# Versions are pinned with apt's version globs; if a suite has moved on, the harness falls back
# to the suite's candidate with a warning (harness.json always reports the real versions).
ENGINE_SUITES = {
    'trixie': {'docker.io': '26.1.*', 'containerd': '1.7.*', 'tini': None},
    'sid': {'docker.io': '28.5.*', 'tini-static': None},
}

# Each daemon: engine (dockerd binaries), containerd (binaries), its own bridge and CIDRs.
# All CIDRs are private and must not overlap anything else on the machine (checked).
DAEMONS = {
    'd20': dict(engine='system', containerd='system', bridge='dkapi-d20',
                cidr='10.220.0.1/24', pool='10.221.0.0/16', expect='20.10.'),
    'd26': dict(engine='trixie', containerd='trixie', bridge='dkapi-d26',
                cidr='10.226.0.1/24', pool='10.227.0.0/16', expect='26.1.'),
    'd28': dict(engine='sid', containerd='trixie', bridge='dkapi-d28',
                cidr='10.228.0.1/24', pool='10.229.0.0/16', expect='28.5.'),
    'tls': dict(engine='sid', containerd='trixie', bridge='dkapi-tls',
                cidr='10.230.0.1/24', pool='10.231.0.0/16', expect='28.5.', tls=True),
}
# Opt-in component `fleet` (never started by a plain `up`): ten lightweight 20.10 daemons for the
# fleet benchmark (bench/), one per inventory host. Same isolation as the daemons above (own
# containerd, socket, data/exec root, bridge, address pool); no test image (the benchmark only
# reads /version and /info). Bridges 10.240.N.0/24, pools 10.241.16(N-1).0/20 (sixteen /24s each).
FLEET_SIZE = 10
FLEET = {
    'f%02d' % i: dict(engine='system', containerd='system', bridge='dkapi-f%02d' % i,
                      cidr='10.240.%d.1/24' % i, pool='10.241.%d.0/20' % ((i - 1) * 16), expect='20.10.',
                      fleet=True)
    for i in range(1, FLEET_SIZE + 1)
}
OPTIONAL_COMPONENTS = ['fleet']
DEFAULT_PORTS = {'tls': 22376, 'registry_plain': 25000, 'registry_auth': 25001}
SYS_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

T0 = time.monotonic()


class HarnessError(Exception):
    pass


def daemon_cfg(name):
    """The configuration of a daemon of the default set or of the fleet."""
    return DAEMONS[name] if name in DAEMONS else FLEET[name]


def log(msg):
    print('[harness %6.1fs] %s' % (time.monotonic() - T0, msg), file=sys.stderr, flush=True)


def tail(path, lines=25):
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 16384))
            data = f.read().decode('utf-8', 'replace').splitlines()
        return '\n'.join('    | ' + line for line in data[-lines:])
    except OSError:
        return '    | (no log at %s)' % path


def run(cmd, timeout=120, env=None, cwd=None, check=True, input=None, what=None, logfile=None):
    """Run a command, capture output; raise HarnessError with the output on failure."""
    try:
        proc = subprocess.run(cmd, env=env, cwd=cwd, input=input, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise HarnessError('%s timed out after %ss: %s' % (what or 'command', timeout, shlex.join(cmd)))
    except FileNotFoundError as exc:
        raise HarnessError('%s: %s' % (what or 'command', exc))
    if check and proc.returncode != 0:
        out = (proc.stdout + proc.stderr).strip()
        msg = '%s failed (rc %d): %s\n%s' % (what or 'command', proc.returncode, shlex.join(cmd), out[-4000:])
        if logfile:
            msg += '\nsee %s:\n%s' % (logfile, tail(logfile))
        raise HarnessError(msg)
    return proc


def mkdir(*parts, mode=0o755):
    path = os.path.join(*parts)
    os.makedirs(path, mode=mode, exist_ok=True)
    return path


def write_if_changed(path, content, mode=0o644):
    try:
        with open(path) as f:
            if f.read() == content:
                return False
    except OSError:
        pass
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(content)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
    return True


def write_json(path, data):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write('\n')
    os.replace(tmp, path)


def read_json(path, default=None):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


# --------------------------------------------------------------------------- processes

def proc_argv(pid):
    """argv of a live (non-zombie) process, or None."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            stat = f.read()
        if stat[stat.rindex(')') + 2] in 'ZX':
            return None
        with open('/proc/%d/cmdline' % pid, 'rb') as f:
            raw = f.read()
    except (OSError, ValueError):
        return None
    if not raw:
        return None
    return [a.decode('utf-8', 'replace') for a in raw.rstrip(b'\0').split(b'\0')]


def proc_matches(pid, exe, marker):
    argv = proc_argv(pid)
    return bool(argv) and os.path.basename(argv[0]) == exe and any(marker in a for a in argv[1:])


def find_procs(exe, marker):
    pids = []
    for entry in os.listdir('/proc'):
        if entry.isdigit() and int(entry) != os.getpid() and proc_matches(int(entry), exe, marker):
            pids.append(int(entry))
    return pids


def pid_from_file(path, exe, marker):
    """The pid in `path` if it is a live `exe` carrying `marker`; removes a stale pid file."""
    try:
        with open(path) as f:
            pid = int(f.read().strip() or 0)
    except (OSError, ValueError):
        pid = 0
    if pid and proc_matches(pid, exe, marker):
        return pid
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
        log('removed stale pid file %s' % path)
    return None


def live_pids(pidfile, exe, marker):
    pid = pid_from_file(pidfile, exe, marker)
    found = find_procs(exe, marker)
    if pid and pid not in found:
        found.append(pid)
    return found


def stop_pids(pids, what, timeout=30):
    """SIGTERM, wait (bounded), then SIGKILL. Only pids we verified as ours are passed here."""
    pids = [p for p in pids if proc_argv(p)]
    if not pids:
        return
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(proc_argv(p) for p in pids):
        time.sleep(0.2)
    left = [p for p in pids if proc_argv(p)]
    for pid in left:
        log('%s (pid %d) did not stop in %ss, killing it' % (what, pid, timeout))
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(proc_argv(p) for p in left):
        time.sleep(0.1)


def spawn(cmd, logfile, env, cwd=None):
    """Start a long-running process detached from us, output appended to logfile."""
    if os.path.exists(logfile) and os.path.getsize(logfile) > 20 * 1024 * 1024:
        os.replace(logfile, logfile + '.1')
    with open(logfile, 'ab') as out:
        out.write(('\n=== %s harness start: %s\n' % (time.strftime('%Y-%m-%dT%H:%M:%S'), shlex.join(cmd))).encode())
        out.flush()
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                env=env, cwd=cwd or '/', start_new_session=True, close_fds=True)


def port_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(('127.0.0.1', port))
        except OSError:
            return False
    return True


def any_free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- HTTP helpers

class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=5):
        super().__init__('localhost', timeout=timeout)
        self.unix_path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.unix_path)
        self.sock = sock


def docker_api(sock_path, path, timeout=5):
    """GET on a daemon's unix socket; returns (status, body) or raises OSError."""
    conn = UnixHTTPConnection(sock_path, timeout=timeout)
    try:
        conn.request('GET', path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    except (http.client.HTTPException, ValueError) as exc:
        raise OSError(str(exc))
    finally:
        conn.close()


def ping(sock_path, timeout=3):
    try:
        status, body = docker_api(sock_path, '/_ping', timeout)
        return status == 200 and body.strip() == b'OK'
    except OSError:
        return False


def http_get(hostport, path, headers=None, method='GET', timeout=5):
    host, port = hostport.rsplit(':', 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.read(), dict(resp.getheaders())
    except (http.client.HTTPException, ValueError) as exc:
        raise OSError(str(exc))
    finally:
        conn.close()


def unix_socket_answers(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(path)
        return True
    except OSError:
        return False
    finally:
        s.close()


# --------------------------------------------------------------------------- state

def load_state():
    return read_json(STATE_JSON, {}) or {}


def save_state(state):
    write_json(STATE_JSON, state)


def port_for(state, key, in_use_by_us):
    """A stable port: stored in state.json; reallocated only if taken by something else."""
    ports = state.setdefault('ports', {})
    port = ports.get(key)
    if port and (in_use_by_us or port_free(port)):
        return port
    if port:
        log('port %d (%s) is taken by something else; choosing another' % (port, key))
    candidate = DEFAULT_PORTS[key]
    if port == candidate or not port_free(candidate) or candidate in ports.values():
        candidate = any_free_port()
    ports[key] = candidate
    save_state(state)
    return candidate


@contextlib.contextmanager
def harness_lock(timeout=900):
    mkdir(STATE_DIR)
    fd = os.open(os.path.join(STATE_DIR, '.lock'), os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    said = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise HarnessError('another harness run holds %s/.lock for more than %ss' % (STATE_DIR, timeout))
                if not said:
                    log('waiting for another harness run to finish (lock %s/.lock)' % STATE_DIR)
                    said = True
                time.sleep(0.5)
        yield
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- packages

def dpkg_installed(pkgs):
    proc = run(['dpkg-query', '-W', '-f=${Package} ${db:Status-Abbrev}\n'] + pkgs, check=False)
    ok = set()
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].startswith('ii'):
            ok.add(parts[0])
    return [p for p in pkgs if p not in ok]


def ensure_system_packages():
    missing = dpkg_installed(SYSTEM_PACKAGES)
    if not missing:
        return
    log('installing Debian packages: %s' % ' '.join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    lock = ['-o', 'DPkg::Lock::Timeout=600']
    for attempt in range(3):
        proc = run(['apt-get', 'update', '-q'] + lock, timeout=600, env=env, check=False)
        if proc.returncode == 0:
            break
        log('apt-get update failed (attempt %d): %s' % (attempt + 1, proc.stderr.strip()[-500:]))
        time.sleep(5)
    # No service may start from a package's maintainer scripts (there is no init system here anyway).
    policy = '/usr/sbin/policy-rc.d'
    made_policy = False
    if not os.path.exists(policy):
        with open(policy, 'w') as f:
            f.write('#!/bin/sh\n# written by dockerapi harness for the duration of apt-get install\nexit 101\n')
        os.chmod(policy, 0o755)
        made_policy = True
    try:
        run(['apt-get', 'install', '-y', '-q', '--no-install-recommends'] + lock + missing,
            timeout=900, env=env, what='apt-get install')
    finally:
        if made_policy:
            os.unlink(policy)
    still = dpkg_installed(SYSTEM_PACKAGES)
    if still:
        raise HarnessError('packages still missing after apt-get install: %s' % ' '.join(still))


def system_debian_source(sources_dir='/etc/apt/sources.list.d', sources_list='/etc/apt/sources.list'):
    """(uri, keyring) of the main Debian archive this machine already uses, read at run time."""
    default_key = '/usr/share/keyrings/debian-archive-keyring.gpg'
    candidates = []
    files = []
    if os.path.isdir(sources_dir):
        files = sorted(os.path.join(sources_dir, f) for f in os.listdir(sources_dir) if f.endswith('.sources'))
        files.sort(key=lambda p: os.path.basename(p) != 'debian.sources')
    for path in files:
        with open(path) as f:
            text = f.read()
        for stanza in re.split(r'\n\s*\n', text):
            fields = {}
            key = None
            for line in stanza.splitlines():
                if line.startswith('#') or not line.strip():
                    continue
                if line[0].isspace() and key:
                    fields[key] += '\n' + line.strip()
                    continue
                if ':' in line:
                    key, value = line.split(':', 1)
                    key = key.strip().lower()
                    fields[key] = value.strip()
            if 'deb' not in fields.get('types', '').split() or fields.get('enabled', 'yes').lower() == 'no':
                continue
            suites = fields.get('suites', '').split()
            if not any(re.fullmatch(r'[a-z]+', s) for s in suites):
                continue  # updates/security/backports only
            uris = fields.get('uris', '').split()
            if not uris:
                continue
            key_path = fields.get('signed-by', '')
            key_path = key_path if key_path.startswith('/') and '\n' not in key_path and os.path.exists(key_path) else default_key
            candidates.append((uris[0].rstrip('/'), key_path))
    if not candidates and os.path.exists(sources_list):
        with open(sources_list) as f:
            for line in f:
                m = re.match(r'\s*deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+([a-z]+)\s', line)
                if m:
                    opts = dict(o.split('=', 1) for o in (m.group(1) or '').split() if '=' in o)
                    key_path = opts.get('signed-by', default_key)
                    candidates.append((m.group(2).rstrip('/'), key_path if os.path.exists(key_path) else default_key))
    if not candidates:
        raise HarnessError('cannot find the Debian archive URI in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list')
    return candidates[0]


def apt_private_opts(base):
    return ['-o', 'Dir::Etc::SourceList=%s' % os.path.join(base, 'sources.list'),
            '-o', 'Dir::Etc::SourceParts=/dev/null',
            '-o', 'Dir::Etc::Preferences=/dev/null',
            '-o', 'Dir::Etc::PreferencesParts=/dev/null',
            '-o', 'Dir::State::Lists=%s' % os.path.join(base, 'lists'),
            '-o', 'Dir::Cache=%s' % os.path.join(base, 'cache'),
            '-o', 'Dir::Cache::archives=%s' % os.path.join(base, 'cache', 'archives'),
            '-o', 'APT::Sandbox::User=root',
            '-o', 'Acquire::Check-Valid-Until=false',  # the mirror may be a dated snapshot
            '-q']


def engine_root(suite):
    return os.path.join(STATE_DIR, 'engines', suite)


def ensure_engine(suite):
    """Download (once) and unpack (once) the engine packages of a newer Debian suite."""
    root = engine_root(suite)
    marker = os.path.join(root, '.harness-complete')
    if os.path.exists(marker):
        return
    base = mkdir(STATE_DIR, 'apt', suite)
    debs_dir = mkdir(base, 'debs')
    pkgs = ENGINE_SUITES[suite]

    def cached():
        found = {}
        for name in os.listdir(debs_dir):
            if name.endswith('.deb'):
                found.setdefault(name.split('_', 1)[0], os.path.join(debs_dir, name))
        return found

    debs = cached()
    if any(p not in debs for p in pkgs):
        uri, keyring = system_debian_source()
        mkdir(base, 'lists', 'partial')
        mkdir(base, 'cache', 'archives', 'partial')
        write_if_changed(os.path.join(base, 'sources.list'),
                         'deb [signed-by=%s] %s %s main\n' % (keyring, uri, suite))
        opts = apt_private_opts(base)
        log('apt-get update for suite %s (private lists in %s)' % (suite, base))
        for attempt in range(3):
            proc = run(['apt-get'] + opts + ['update'], timeout=600, check=False)
            if proc.returncode == 0 and 'W: GPG error' not in proc.stderr and 'NO_PUBKEY' not in proc.stderr:
                break
            if attempt == 2:
                raise HarnessError('apt-get update for suite %s failed (keyring %s):\n%s' %
                                   (suite, keyring, (proc.stdout + proc.stderr)[-3000:]))
            time.sleep(5)
        for pkg in [p for p in pkgs if p not in debs]:
            spec = '%s=%s' % (pkg, pkgs[pkg]) if pkgs[pkg] else pkg
            log('apt-get download (%s): %s' % (suite, spec))
            proc = run(['apt-get'] + opts + ['download', spec], cwd=debs_dir, timeout=900, check=False)
            if proc.returncode != 0 and pkgs[pkg] and 'was not found' in proc.stderr:
                log('WARNING: %s has no %s; taking the suite\'s current %s instead' % (suite, spec, pkg))
                proc = run(['apt-get'] + opts + ['download', pkg], cwd=debs_dir, timeout=900, check=False)
            if proc.returncode != 0:
                raise HarnessError('apt-get download %s from %s failed:\n%s' % (spec, suite, (proc.stdout + proc.stderr)[-3000:]))
        debs = cached()
        if any(p not in debs for p in pkgs):
            raise HarnessError('apt-get download from %s did not produce %s' % (suite, ' '.join(pkgs)))
    tmp = root + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    for p in pkgs:
        run(['dpkg', '-x', debs[p], tmp], what='dpkg -x %s' % debs[p])
    for runc in ('usr/sbin/runc', 'usr/bin/runc'):  # never shadow the system runc (glibc)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(tmp, runc))
    shutil.rmtree(root, ignore_errors=True)
    os.replace(tmp, root)
    write_json(marker, {p: os.path.basename(debs[p]) for p in pkgs})
    log('unpacked %s engine into %s' % (suite, root))


# --------------------------------------------------------------------------- binaries

def dockerd_bin(engine):
    if engine == 'system':
        return '/usr/sbin/dockerd', '/usr/sbin/docker-proxy', SYS_PATH
    root = engine_root(engine)
    path = '%s/usr/sbin:%s/usr/bin' % (root, root)
    if engine != 'trixie':  # 28.5 runs with trixie's containerd tools on PATH
        path += ':%s/usr/bin' % engine_root('trixie')
    return os.path.join(root, 'usr/sbin/dockerd'), os.path.join(root, 'usr/sbin/docker-proxy'), path + ':' + SYS_PATH


def containerd_bin(kind):
    if kind == 'system':
        return '/usr/bin/containerd', SYS_PATH
    root = engine_root(kind)
    return os.path.join(root, 'usr/bin/containerd'), '%s/usr/bin:%s' % (root, SYS_PATH)


def daemon_env(path):
    # A clean environment: no proxy variables, no DOCKER_* or REGISTRY_* from the caller.
    return {'PATH': path, 'HOME': '/root', 'LANG': 'C.UTF-8', 'TMPDIR': '/tmp'}


def docker_cli():
    cli = shutil.which('docker', path=os.environ.get('PATH', '') + ':/usr/local/bin:/usr/bin')
    if not cli:
        raise HarnessError('no docker CLI found on PATH (docker.io provides /usr/bin/docker)')
    return cli


def cli_env(docker_host, tls_dir=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith('DOCKER_')}
    env.update(DOCKER_HOST=docker_host, DOCKER_CONFIG=mkdir(STATE_DIR, 'docker-config'),
               DOCKER_BUILDKIT='0', DOCKER_CLI_HINTS='false')
    if tls_dir:
        env.update(DOCKER_TLS_VERIFY='1', DOCKER_CERT_PATH=tls_dir)
    return env


def docker(docker_host, *args, timeout=120, what=None, logfile=None, check=True, input=None, tls_dir=None):
    return run([docker_cli()] + list(args), env=cli_env(docker_host, tls_dir), timeout=timeout, check=check,
               what=what or 'docker ' + ' '.join(args[:2]), logfile=logfile, input=input)


# --------------------------------------------------------------------------- network

def host_routes():
    proc = run(['ip', '-4', '-o', 'route', 'show', 'table', 'all'], check=False)
    routes = []
    for line in proc.stdout.splitlines():
        parts = line.split()
        if not parts or parts[0] in ('default', 'broadcast', 'local', 'unreachable', 'blackhole', 'prohibit'):
            continue
        try:
            net = ipaddress.ip_network(parts[0], strict=False)
        except ValueError:
            continue
        dev = parts[parts.index('dev') + 1] if 'dev' in parts else ''
        routes.append((net, dev))
    return routes


def check_cidrs(name):
    cfg = daemon_cfg(name)
    bridge_net = ipaddress.ip_interface(cfg['cidr']).network
    pool = ipaddress.ip_network(cfg['pool'])
    for net, dev in host_routes():
        if net.overlaps(bridge_net) and dev != cfg['bridge']:
            raise HarnessError('%s: bridge CIDR %s collides with route %s dev %s on this machine'
                               % (name, bridge_net, net, dev))
        if net.overlaps(pool) and not (net.subnet_of(pool) and dev.startswith('br-')):
            raise HarnessError('%s: address pool %s collides with route %s dev %s on this machine'
                               % (name, pool, net, dev))


def ensure_bridge(name):
    cfg = daemon_cfg(name)
    br, cidr = cfg['bridge'], cfg['cidr']
    if run(['ip', 'link', 'show', 'dev', br], check=False).returncode != 0:
        check_cidrs(name)
        run(['ip', 'link', 'add', br, 'type', 'bridge'], what='create bridge %s' % br)
        log('created bridge %s' % br)
    addrs = run(['ip', '-4', '-o', 'addr', 'show', 'dev', br]).stdout
    if ' %s ' % cidr not in addrs:
        if addrs.strip():
            run(['ip', '-4', 'addr', 'flush', 'dev', br])
        check_cidrs(name)
        run(['ip', 'addr', 'add', cidr, 'dev', br], what='address bridge %s' % br)
    run(['ip', 'link', 'set', br, 'up'], what='bring up bridge %s' % br)


def delete_bridge(name):
    br = daemon_cfg(name)['bridge']
    if run(['ip', 'link', 'show', 'dev', br], check=False).returncode == 0:
        run(['ip', 'link', 'del', br], check=False)


# --------------------------------------------------------------------------- TLS material

CERT_DIR = os.path.join(STATE_DIR, 'certs')
OPENSSL_CNF = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = %s
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
""" % ','.join(('IP:' if re.fullmatch(r'[\d.]+', n) else 'DNS:') + n for n in SERVER_NAMES)


def cert_ok(cert, ca=None):
    if not os.path.exists(cert):
        return False
    if run(['openssl', 'x509', '-checkend', str(30 * 86400), '-noout', '-in', cert], check=False).returncode != 0:
        return False
    if ca and run(['openssl', 'verify', '-CAfile', ca, cert], check=False).returncode != 0:
        return False
    return True


def make_ca(d, cn):
    key, cert = os.path.join(d, 'ca-key.pem'), os.path.join(d, 'ca.pem')
    if os.path.exists(key) and cert_ok(cert):
        return False
    cnf = os.path.join(CERT_DIR, 'openssl.cnf')
    run(['openssl', 'genrsa', '-out', key, '2048'], what='openssl genrsa')
    os.chmod(key, 0o600)
    run(['openssl', 'req', '-config', cnf, '-x509', '-new', '-key', key, '-sha256', '-days', '3650',
         '-subj', '/CN=%s' % cn, '-extensions', 'v3_ca', '-out', cert], what='openssl CA')
    log('generated CA %s' % cert)
    return True


def make_leaf(d, ca_dir, cn, kind, force=False):
    key, cert = os.path.join(d, 'key.pem'), os.path.join(d, 'cert.pem')
    ca_cert = os.path.join(ca_dir, 'ca.pem')
    shutil.copyfile(ca_cert, os.path.join(d, 'ca.pem'))
    if not force and os.path.exists(key) and cert_ok(cert, ca_cert):
        return False
    cnf = os.path.join(CERT_DIR, 'openssl.cnf')
    csr = os.path.join(d, 'req.csr')
    run(['openssl', 'genrsa', '-out', key, '2048'], what='openssl genrsa')
    os.chmod(key, 0o600)
    run(['openssl', 'req', '-config', cnf, '-new', '-key', key, '-subj', '/CN=%s' % cn, '-out', csr],
        what='openssl req')
    run(['openssl', 'x509', '-req', '-in', csr, '-CA', ca_cert, '-CAkey', os.path.join(ca_dir, 'ca-key.pem'),
         '-set_serial', '0x' + secrets.token_hex(16), '-days', '825', '-sha256',
         '-extfile', cnf, '-extensions', kind, '-out', cert], what='openssl sign %s' % kind)
    os.unlink(csr)
    os.chmod(cert, 0o644)
    log('generated %s certificate %s' % (kind, cert))
    return True


def cert_paths():
    return {k: os.path.join(CERT_DIR, k) for k in ('ca', 'server', 'client', 'wrong-ca', 'wrong-client')}


def ensure_certs():
    """CA, server cert, client bundle, and an unrelated CA with its own client. True if the daemon's changed."""
    mkdir(CERT_DIR, mode=0o755)
    write_if_changed(os.path.join(CERT_DIR, 'openssl.cnf'), OPENSSL_CNF)
    p = cert_paths()
    for d in p.values():
        mkdir(d)
    ca_changed = make_ca(p['ca'], 'dockerapi harness CA')
    server_changed = make_leaf(p['server'], p['ca'], TLS_HOSTNAME, 'server', force=ca_changed)
    make_leaf(p['client'], p['ca'], 'dockerapi-client', 'client', force=ca_changed)
    wrong = make_ca(p['wrong-ca'], 'dockerapi harness WRONG CA')
    make_leaf(p['wrong-client'], p['wrong-ca'], 'dockerapi-wrong-client', 'client', force=wrong)
    return ca_changed or server_changed  # the daemon must restart to load them


def tls_probe(port, ca, cert, key, server_hostname):
    """GET /_ping over mutual TLS; returns the HTTP status line or raises ssl.SSLError/OSError."""
    ctx = ssl.create_default_context(cafile=ca)
    ctx.load_cert_chain(cert, key)
    with socket.create_connection(('127.0.0.1', port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname=server_hostname) as s:
            s.sendall(b'GET /_ping HTTP/1.0\r\nHost: %s\r\n\r\n' % server_hostname.encode())
            data = s.recv(4096)
    if not data:
        raise OSError('connection closed without an answer')
    return data.split(b'\r\n', 1)[0].decode()


# --------------------------------------------------------------------------- daemons

def dpaths(name):
    d = os.path.join(STATE_DIR, name)
    return dict(dir=d, sock=os.path.join(d, 'docker.sock'), data=os.path.join(d, 'data'),
                exec=os.path.join(d, 'exec'), pid=os.path.join(d, 'dockerd.pid'),
                log=os.path.join(d, 'dockerd.log'), conf=os.path.join(d, 'daemon.json'),
                cdir=os.path.join(d, 'containerd'), csock=os.path.join(d, 'containerd', 'containerd.sock'),
                cconf=os.path.join(d, 'containerd', 'config.toml'), cpid=os.path.join(d, 'containerd', 'containerd.pid'),
                clog=os.path.join(d, 'containerd.log'))


def containerd_config(p):
    c = p['cdir']
    return ('version = 2\n'
            'root = "%s/root"\n'
            'state = "%s/state"\n'
            'disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",'
            ' "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",'
            ' "io.containerd.snapshotter.v1.devmapper"]\n'
            '[grpc]\n  address = "%s"\n'
            '[ttrpc]\n  address = "%s.ttrpc"\n'
            '[debug]\n  address = ""\n'
            '[metrics]\n  address = ""\n'
            '[plugins]\n  [plugins."io.containerd.internal.v1.opt"]\n    path = "%s/opt"\n'
            % (c, c, p['csock'], p['csock'], c))


def dockerd_args(name, p, state):
    cfg = daemon_cfg(name)
    dockerd, proxy = dockerd_bin(cfg['engine'])[:2]
    args = [dockerd, '--config-file', p['conf'], '-H', 'unix://' + p['sock'],
            '--data-root', p['data'], '--exec-root', p['exec'], '--pidfile', p['pid'],
            '--containerd', p['csock'], '--bridge', cfg['bridge'],
            '--iptables=false', '--userland-proxy=true', '--userland-proxy-path', proxy,
            '--default-address-pool', 'base=%s,size=24' % cfg['pool']]
    if cfg['engine'] != 'system':
        args.append('--ip6tables=false')
    if cfg.get('tls'):
        c = cert_paths()['server']
        args += ['-H', 'tcp://127.0.0.1:%d' % state['ports']['tls'], '--tlsverify',
                 '--tlscacert', os.path.join(c, 'ca.pem'), '--tlscert', os.path.join(c, 'cert.pem'),
                 '--tlskey', os.path.join(c, 'key.pem')]
    return args


def ensure_containerd(name, p):
    """Returns (pid, started_now)."""
    cfg = daemon_cfg(name)
    binary, path = containerd_bin(cfg['containerd'])
    pids = live_pids(p['cpid'], 'containerd', p['cconf'])
    if len(pids) == 1 and unix_socket_answers(p['csock']):
        return pids[0], False
    if pids:
        log('%s: containerd %s not answering on %s, restarting it' % (name, pids, p['csock']))
        stop_pids(pids, '%s containerd' % name, timeout=15)
    for stale in (p['csock'], p['csock'] + '.ttrpc'):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(stale)
    mkdir(p['cdir'])
    write_if_changed(p['cconf'], containerd_config(p))
    proc = spawn([binary, '--config', p['cconf']], p['clog'], daemon_env(path))
    with open(p['cpid'], 'w') as f:
        f.write('%d\n' % proc.pid)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise HarnessError('%s: containerd exited with %s at start; see %s:\n%s'
                               % (name, proc.returncode, p['clog'], tail(p['clog'])))
        if unix_socket_answers(p['csock']):
            return proc.pid, True
        time.sleep(0.1)
    raise HarnessError('%s: containerd did not answer on %s within 30s; see %s:\n%s'
                       % (name, p['csock'], p['clog'], tail(p['clog'])))


def ensure_daemon(name, state, force_restart=False):
    """Start (or reuse) containerd + dockerd for one daemon. Returns True if dockerd was started now."""
    cfg = daemon_cfg(name)
    p = dpaths(name)
    for k in ('dir', 'data', 'exec'):
        mkdir(p[k], mode=0o711)
    if len('unix://' + p['sock']) > 100 or len(p['csock']) > 100:
        raise HarnessError('state dir %s is too long for unix socket paths' % STATE_DIR)
    write_if_changed(p['conf'], '{}\n')  # isolate from /etc/docker/daemon.json
    mkdir(p['cdir'])
    cconf_changed = write_if_changed(p['cconf'], containerd_config(p))
    args = dockerd_args(name, p, state)
    dpids = live_pids(p['pid'], 'dockerd', p['sock'])
    cpids = live_pids(p['cpid'], 'containerd', p['cconf'])

    def healthy():
        return len(dpids) == 1 and ping(p['sock']) and unix_socket_answers(p['csock']) and \
            bool(find_procs('containerd', p['cconf']))

    reason = 'restart requested' if force_restart else None
    if not reason and cconf_changed and cpids:
        reason = 'containerd configuration changed'
    if not reason and dpids and proc_argv(dpids[0]) != args:
        reason = 'dockerd command line changed'
    if dpids and not reason:
        if healthy():
            return False
        # maybe still starting (e.g. cleaning up after a crash): give it a bounded grace period
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(dpids) == 1 and not ping(p['sock']):
            time.sleep(0.5)
        if healthy():
            return False
        reason = 'unhealthy'
    if dpids:
        log('%s: stopping dockerd %s (%s)' % (name, dpids, reason))
        stop_pids(dpids, '%s dockerd' % name, timeout=40)
    if cconf_changed and cpids:
        stop_pids(cpids, '%s containerd' % name, timeout=15)
    for stale in (p['pid'], p['sock']):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(stale)
    ensure_bridge(name)
    ensure_containerd(name, p)
    path = dockerd_bin(cfg['engine'])[2]
    log('%s: starting dockerd (log %s)' % (name, p['log']))
    proc = spawn(args, p['log'], daemon_env(path))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise HarnessError('%s: dockerd exited with %s during start; see %s:\n%s'
                               % (name, proc.returncode, p['log'], tail(p['log'])))
        if ping(p['sock']):
            return True
        time.sleep(0.2)
    raise HarnessError('%s: dockerd did not answer /_ping on %s within 90s; see %s:\n%s'
                       % (name, p['sock'], p['log'], tail(p['log'])))


def build_context():
    ctx = mkdir(STATE_DIR, 'build-context')
    src = '/bin/busybox'
    with open(src, 'rb') as f:
        head = f.read(4)
    if head != b'\x7fELF' or not elf_is_static(src):
        raise HarnessError('%s is not a static binary: install busybox-static' % src)
    dst = os.path.join(ctx, 'busybox')
    if not os.path.exists(dst) or os.path.getsize(dst) != os.path.getsize(src):
        shutil.copy2(src, dst)
    write_if_changed(os.path.join(ctx, 'Dockerfile'),
                     'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\n')
    return ctx


def elf_is_static(path):
    """True if the ELF file has no PT_INTERP program header."""
    import struct
    with open(path, 'rb') as f:
        ident = f.read(16)
        is64 = ident[4] == 2
        end = '<' if ident[5] == 1 else '>'
        if is64:
            f.seek(32)
            phoff, = struct.unpack(end + 'Q', f.read(8))
            f.seek(54)
            phentsize, phnum = struct.unpack(end + 'HH', f.read(4))
        else:
            f.seek(28)
            phoff, = struct.unpack(end + 'I', f.read(4))
            f.seek(42)
            phentsize, phnum = struct.unpack(end + 'HH', f.read(4))
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            ptype, = struct.unpack(end + 'I', f.read(4))
            if ptype == 3:
                return False
    return True


def ensure_image_and_run(name, fresh):
    p = dpaths(name)
    host = 'unix://' + p['sock']
    status = docker_api(p['sock'], '/images/%s/json' % TEST_IMAGE, timeout=10)[0]
    if status != 200:
        log('%s: building %s (classic builder)' % (name, TEST_IMAGE))
        docker(host, 'build', '-q', '-t', TEST_IMAGE, build_context(), timeout=300,
               what='%s: docker build of the test image' % name, logfile=p['log'])
    out = docker(host, 'run', '--rm', '--pull=never', '--network=none', TEST_IMAGE, 'echo', 'ok',
                 timeout=60, what='%s: docker run --rm %s echo ok' % (name, TEST_IMAGE), logfile=p['log'])
    if out.stdout.strip() != 'ok':
        raise HarnessError('%s: test container printed %r instead of "ok"' % (name, out.stdout))
    if fresh:
        check_publish(name, host, p)


def check_publish(name, host, p):
    """A busybox httpd published on 127.0.0.1 must answer over loopback."""
    cname = 'dockerapi-harness-publish-check'
    docker(host, 'rm', '-f', cname, check=False)
    token = 'hello-from-%s' % name
    docker(host, 'run', '-d', '--pull=never', '--name', cname, '-p', '127.0.0.1::80', TEST_IMAGE, 'sh', '-c',
           'mkdir -p /www && echo %s > /www/index.html && exec httpd -f -p 80 -h /www' % token,
           what='%s: start publish-check container' % name, logfile=p['log'])
    try:
        port_line = docker(host, 'port', cname, '80/tcp').stdout.split()[0]
        port = int(port_line.rsplit(':', 1)[1])
        deadline = time.monotonic() + 15
        last = None
        while time.monotonic() < deadline:
            try:
                status, body = http_get('127.0.0.1:%d' % port, '/', timeout=3)[:2]
                if status == 200 and body.strip() == token.encode():
                    return
                last = 'HTTP %s %r' % (status, body[:100])
            except OSError as exc:
                last = str(exc)
            time.sleep(0.3)
        raise HarnessError('%s: port publishing on 127.0.0.1:%d does not work (%s); see %s'
                           % (name, port, last, p['log']))
    finally:
        docker(host, 'rm', '-f', cname, check=False)


def verify_tls(state):
    port = state['ports']['tls']
    c = cert_paths()
    host = 'tcp://127.0.0.1:%d' % port
    deadline = time.monotonic() + 20
    while True:
        proc = docker(host, 'version', '--format', '{{.Server.Version}}', tls_dir=c['client'], check=False,
                      timeout=30)
        if proc.returncode == 0:
            break
        if time.monotonic() > deadline:
            raise HarnessError('tls: docker CLI over mutual TLS to %s failed:\n%s\nsee %s:\n%s'
                               % (host, proc.stderr.strip(), dpaths('tls')['log'], tail(dpaths('tls')['log'])))
        time.sleep(0.5)
    cl = c['client']
    line = tls_probe(port, os.path.join(cl, 'ca.pem'), os.path.join(cl, 'cert.pem'), os.path.join(cl, 'key.pem'),
                     TLS_HOSTNAME)
    if ' 200 ' not in line + ' ':
        raise HarnessError('tls: /_ping via %s answered %r' % (TLS_HOSTNAME, line))
    wc = c['wrong-client']
    try:
        line = tls_probe(port, os.path.join(cl, 'ca.pem'), os.path.join(wc, 'cert.pem'), os.path.join(wc, 'key.pem'),
                         TLS_HOSTNAME)
    except (ssl.SSLError, OSError):
        pass  # rejected, as it must be
    else:
        raise HarnessError('tls: the daemon accepted a client certificate from the wrong CA (%r)' % line)


# --------------------------------------------------------------------------- registry

def rpaths(kind):
    d = os.path.join(STATE_DIR, 'registry', kind)
    return dict(dir=d, conf=os.path.join(d, 'config.yml'), data=os.path.join(d, 'data'),
                pid=os.path.join(d, 'registry.pid'), log=os.path.join(d, 'registry.log'),
                htpasswd=os.path.join(d, 'htpasswd'))


def registry_config(kind, port, state):
    p = rpaths(kind)
    conf = {
        'version': 0.1,
        'log': {'level': 'info', 'fields': {'service': 'dockerapi-registry-' + kind}},
        'storage': {'filesystem': {'rootdirectory': p['data']}, 'delete': {'enabled': True},
                    'maintenance': {'uploadpurging': {'enabled': False}}},
        'http': {'addr': '127.0.0.1:%d' % port, 'secret': state['registry_secret'],
                 'headers': {'X-Content-Type-Options': ['nosniff']}},
    }
    if kind == 'auth':
        conf['auth'] = {'htpasswd': {'realm': 'dockerapi-harness', 'path': p['htpasswd']}}
    return json.dumps(conf, indent=2) + '\n'  # JSON is valid YAML


def registry_answers(kind, hostport):
    try:
        status = http_get(hostport, '/v2/', timeout=3)[0]
    except OSError:
        return False
    return status == (200 if kind == 'plain' else 401)


def ensure_registry(state):
    state.setdefault('registry_secret', secrets.token_hex(16))
    save_state(state)
    started = {}
    for kind in ('plain', 'auth'):
        p = rpaths(kind)
        mkdir(p['data'])
        pids = live_pids(p['pid'], 'docker-registry', p['conf'])
        port = port_for(state, 'registry_' + kind, in_use_by_us=bool(pids))
        hostport = '127.0.0.1:%d' % port
        if kind == 'auth':
            existing = ''
            with contextlib.suppress(OSError):
                existing = open(p['htpasswd']).read()
            ok = existing.startswith(REGISTRY_USER + ':') and run(
                ['htpasswd', '-vb', p['htpasswd'], REGISTRY_USER, REGISTRY_PASSWORD], check=False).returncode == 0
            if not ok:
                line = run(['htpasswd', '-Bbn', REGISTRY_USER, REGISTRY_PASSWORD], what='htpasswd').stdout.strip()
                write_if_changed(p['htpasswd'], line + '\n', mode=0o600)
        changed = write_if_changed(p['conf'], registry_config(kind, port, state))
        if pids and not changed and len(pids) == 1 and registry_answers(kind, hostport):
            started[kind] = False
            continue
        if pids:
            stop_pids(pids, 'registry-' + kind, timeout=15)
        log('registry-%s: starting on %s (log %s)' % (kind, hostport, p['log']))
        proc = spawn(['/usr/bin/docker-registry', 'serve', p['conf']], p['log'], daemon_env(SYS_PATH), cwd=p['dir'])
        with open(p['pid'], 'w') as f:
            f.write('%d\n' % proc.pid)
        deadline = time.monotonic() + 30
        while not registry_answers(kind, hostport):
            if proc.poll() is not None:
                raise HarnessError('registry-%s exited with %s; see %s:\n%s' % (kind, proc.returncode, p['log'], tail(p['log'])))
            if time.monotonic() > deadline:
                raise HarnessError('registry-%s did not answer GET /v2/ on %s within 30s; see %s:\n%s'
                                   % (kind, hostport, p['log'], tail(p['log'])))
            time.sleep(0.2)
        started[kind] = True
    return started


REPO = TEST_IMAGE.split(':', maxsplit=1)[0]
MANIFEST_ACCEPT = ', '.join(['application/vnd.docker.distribution.manifest.v2+json',
                             'application/vnd.docker.distribution.manifest.list.v2+json',
                             'application/vnd.oci.image.manifest.v1+json',
                             'application/vnd.oci.image.index.v1+json'])


def registry_has_image(hostport, auth=False):
    headers = {'Accept': MANIFEST_ACCEPT}
    if auth:
        import base64
        headers['Authorization'] = 'Basic ' + base64.b64encode(
            ('%s:%s' % (REGISTRY_USER, REGISTRY_PASSWORD)).encode()).decode()
    try:
        status = http_get(hostport, '/v2/%s/manifests/latest' % REPO, headers=headers, method='HEAD')[0]
    except OSError:
        return False
    return status == 200


def seed_registry(state, pusher):
    """Push the test image into both registries (once) through a harness daemon; check auth and insecure rules."""
    plain = '127.0.0.1:%d' % state['ports']['registry_plain']
    auth = '127.0.0.1:%d' % state['ports']['registry_auth']
    status, dummy, headers = http_get(auth, '/v2/')
    if status != 401 or 'basic' not in headers.get('Www-Authenticate', headers.get('WWW-Authenticate', '')).lower():
        raise HarnessError('registry-auth: anonymous GET /v2/ answered %s %s, expected 401 with Basic challenge'
                           % (status, headers))
    if pusher is None:
        log('registry: no harness daemon up to push the test image with; skipped the push check')
        return
    p = dpaths(pusher)
    host = 'unix://' + p['sock']
    body = docker_api(p['sock'], '/info', timeout=10)[1]
    cidrs = json.loads(body).get('RegistryConfig', {}).get('InsecureRegistryCIDRs') or []
    if '127.0.0.0/8' not in cidrs:
        raise HarnessError('%s: 127.0.0.0/8 is not an insecure registry CIDR (%s); pushes over http would fail'
                           % (pusher, cidrs))
    for hostport, is_auth in ((plain, False), (auth, True)):
        if registry_has_image(hostport, is_auth):
            continue
        ref = '%s/%s' % (hostport, TEST_IMAGE)
        log('registry: pushing %s from %s' % (ref, pusher))
        docker(host, 'tag', TEST_IMAGE, ref)
        try:
            if is_auth:
                anon = docker(host, 'push', ref, check=False, timeout=120)
                if anon.returncode == 0:
                    raise HarnessError('registry-auth accepted an anonymous push of %s' % ref)
                docker(host, 'login', '-u', REGISTRY_USER, '--password-stdin', hostport, input=REGISTRY_PASSWORD,
                       what='docker login %s' % hostport)
            docker(host, 'push', ref, timeout=300, what='docker push %s' % ref,
                   logfile=rpaths('auth' if is_auth else 'plain')['log'])
        finally:
            if is_auth:
                docker(host, 'logout', hostport, check=False)
            docker(host, 'rmi', ref, check=False)
        if not registry_has_image(hostport, is_auth):
            raise HarnessError('registry %s does not list %s after the push' % (hostport, REPO))


# --------------------------------------------------------------------------- status / json

def daemon_status(name):
    p = dpaths(name)
    dpids = live_pids(p['pid'], 'dockerd', p['sock']) if os.path.isdir(p['dir']) else []
    info = {'pid': dpids[0] if dpids else None, 'up': False}
    if dpids and ping(p['sock']):
        try:
            body = docker_api(p['sock'], '/version', timeout=5)[1]
            v = json.loads(body)
            info.update(up=True, version_full=v.get('Version'), api_version=v.get('ApiVersion'),
                        min_api_version=v.get('MinAPIVersion'))
            comps = {c.get('Name'): c.get('Version') for c in v.get('Components') or []}
            info['containerd_version'] = comps.get('containerd')
            info['runc_version'] = comps.get('runc')
        except (OSError, ValueError):
            pass
    return info


def registry_status(state):
    res = {}
    for kind in ('plain', 'auth'):
        p = rpaths(kind)
        port = state.get('ports', {}).get('registry_' + kind)
        pids = live_pids(p['pid'], 'docker-registry', p['conf']) if os.path.isdir(p['dir']) else []
        res[kind] = dict(pid=pids[0] if pids else None, port=port,
                         up=bool(pids and port and registry_answers(kind, '127.0.0.1:%d' % port)))
    return res


def describe(state):
    """The harness.json content: every component that is up right now."""
    out = {'state_dir': STATE_DIR, 'test_image': TEST_IMAGE, 'daemons': {}, 'fleet': {}, 'registry': None,
           'docker_cli': shutil.which('docker'), 'generated_at': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}
    for name, cfg in list(DAEMONS.items()) + list(FLEET.items()):
        st = daemon_status(name)
        if not st['up']:
            continue
        p = dpaths(name)
        full = st.get('version_full') or ''
        d = {
            'docker_host': 'unix://' + p['sock'],
            'version': re.match(r'[\d.]*', full).group(0).rstrip('.') or full,
            'version_full': full,
            'api_version': st.get('api_version'),
            'min_api_version': st.get('min_api_version'),
            'containerd_version': st.get('containerd_version'),
            'runc_version': st.get('runc_version'),
            'bridge': cfg['bridge'],
            'bridge_cidr': cfg['cidr'],
            'address_pool': cfg['pool'],
            'iptables': False,
            'data_root': p['data'],
            'exec_root': p['exec'],
            'log': p['log'],
            'containerd_socket': p['csock'],
            'containerd_log': p['clog'],
            'pid': st['pid'],
        }
        if cfg.get('tls'):
            c = cert_paths()
            port = state['ports']['tls']
            d.update({
                'docker_host': 'tcp://127.0.0.1:%d' % port,
                'unix_host': 'unix://' + p['sock'],
                'tls_port': port,
                'tls_hostname': TLS_HOSTNAME,
                'server_names': list(SERVER_NAMES),
                'cert_dir': c['client'],
                'wrong_ca_dir': c['wrong-client'],
                'ca_cert': os.path.join(c['ca'], 'ca.pem'),
                'ca_key': os.path.join(c['ca'], 'ca-key.pem'),
                'server_cert_dir': c['server'],
                'wrong_ca_cert': os.path.join(c['wrong-ca'], 'ca.pem'),
            })
        out['fleet' if cfg.get('fleet') else 'daemons'][name] = d
    rs = registry_status(state)
    if rs['plain']['up'] and rs['auth']['up']:
        plain, auth = '127.0.0.1:%d' % rs['plain']['port'], '127.0.0.1:%d' % rs['auth']['port']
        out['registry'] = {
            'plain': plain, 'auth': auth, 'username': REGISTRY_USER, 'password': REGISTRY_PASSWORD,
            'plain_log': rpaths('plain')['log'], 'auth_log': rpaths('auth')['log'],
            'images': {'plain': [TEST_IMAGE] if registry_has_image(plain) else [],
                       'auth': [TEST_IMAGE] if registry_has_image(auth, True) else []},
        }
    return out


# --------------------------------------------------------------------------- commands

def cmd_up(names):
    names = names or ALL_COMPONENTS
    bad = [n for n in names if n not in ALL_COMPONENTS + OPTIONAL_COMPONENTS]
    if bad:
        raise HarnessError('unknown component(s) %s; choose from %s'
                           % (' '.join(bad), ' '.join(ALL_COMPONENTS + OPTIONAL_COMPONENTS)))
    if os.geteuid() != 0:
        raise HarnessError('the harness must run as root (it creates bridges and runs dockerd)')
    with harness_lock():
        mkdir(STATE_DIR)
        state = load_state()
        ensure_system_packages()
        daemons = [n for n in DAEMONS if n in names]
        suites = set()
        for n in daemons:
            e, c = DAEMONS[n]['engine'], DAEMONS[n]['containerd']
            suites.update(x for x in (e, c) if x != 'system')
            if e == 'sid':
                suites.add('trixie')
        for suite in sorted(suites, key=lambda s: s != 'trixie'):
            ensure_engine(suite)
        fresh = {}
        for n in daemons:
            force = False
            if DAEMONS[n].get('tls'):
                tls_pids = live_pids(dpaths(n)['pid'], 'dockerd', dpaths(n)['sock'])
                port_for(state, 'tls', in_use_by_us=bool(tls_pids))
                force = ensure_certs() and bool(tls_pids)
            fresh[n] = ensure_daemon(n, state, force_restart=force)
            st = daemon_status(n)
            log('%s: %s dockerd %s (API %s) on %s' % (n, 'started' if fresh[n] else 'reusing', st.get('version_full'),
                                                      st.get('api_version'), dpaths(n)['sock']))
            if not (st.get('version_full') or '').startswith(DAEMONS[n]['expect']):
                log('%s: WARNING: expected an engine %s*, got %s' % (n, DAEMONS[n]['expect'], st.get('version_full')))
            ensure_image_and_run(n, fresh[n])
            if DAEMONS[n].get('tls'):
                verify_tls(state)
        if 'registry' in names:
            ensure_registry(state)
            pusher = next((n for n in ('d28', 'd26', 'd20', 'tls') if daemon_status(n)['up']), None)
            seed_registry(state, pusher)
        if 'fleet' in names:
            ensure_fleet(state)
        info = describe(state)
        write_json(HARNESS_JSON, info)
    summary(info)
    print('harness.json: %s' % HARNESS_JSON)
    print('up in %.1fs' % (time.monotonic() - T0))
    missing = [n for n in names if (n == 'registry' and not info['registry'])
               or (n == 'fleet' and len(info['fleet']) != len(FLEET))
               or (n not in ('registry', 'fleet') and n not in info['daemons'])]
    if missing:
        raise HarnessError('not up after `up`: %s' % ' '.join(missing))


def ensure_fleet(state):
    """Start (or reuse) the fleet daemons, one after the other (each start takes about 2 s)."""
    for n in FLEET:
        fresh = ensure_daemon(n, state)
        st = daemon_status(n)
        if not st['up']:
            raise HarnessError('%s: dockerd does not answer after start; see %s:\n%s'
                               % (n, dpaths(n)['log'], tail(dpaths(n)['log'])))
        if fresh:
            log('%s: started dockerd %s (API %s) on %s'
                % (n, st.get('version_full'), st.get('api_version'), dpaths(n)['sock']))
        if not (st.get('version_full') or '').startswith(FLEET[n]['expect']):
            log('%s: WARNING: expected an engine %s*, got %s' % (n, FLEET[n]['expect'], st.get('version_full')))
    log('fleet: %d daemons up (%s..%s)' % (len(FLEET), min(FLEET), max(FLEET)))


def summary(info):
    for name, d in info['daemons'].items():
        extra = ' (unix %s)' % d['unix_host'] if d.get('unix_host') else ''
        fields = (name, d['version'], d['api_version'], d.get('containerd_version'), d['docker_host'], extra)
        print('%-8s Engine %-8s API %-5s containerd %-8s %s%s' % fields)
    fleet = info.get('fleet') or {}
    if fleet:
        versions = sorted({d['version'] for d in fleet.values()})
        print('%-8s %d daemons %s, Engine %s, sockets %s' % ('fleet', len(fleet), ' '.join(sorted(fleet)),
                                                             '/'.join(versions), os.path.join(STATE_DIR, 'fNN', 'docker.sock')))
    r = info.get('registry')
    if r:
        print('%-8s plain http://%s  auth http://%s (user %s)' % ('registry', r['plain'], r['auth'], r['username']))


def cmd_down():
    if os.geteuid() != 0:
        raise HarnessError('the harness must run as root')
    if not os.path.isdir(STATE_DIR):
        print('nothing to stop: %s does not exist' % STATE_DIR)
        return
    with harness_lock():
        for name in list(DAEMONS) + list(FLEET):
            p = dpaths(name)
            pids = live_pids(p['pid'], 'dockerd', p['sock'])
            if pids:
                log('%s: stopping dockerd %s' % (name, pids))
                stop_pids(pids, '%s dockerd' % name, timeout=40)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(p['pid'])
        for name in list(DAEMONS) + list(FLEET):
            p = dpaths(name)
            pids = live_pids(p['cpid'], 'containerd', p['cconf'])
            if pids:
                log('%s: stopping containerd %s' % (name, pids))
                stop_pids(pids, '%s containerd' % name, timeout=20)
            # shims of containers that survived (only if dockerd could not stop them)
            shims = find_procs('containerd-shim-runc-v2', p['csock'])
            if shims:
                log('%s: killing leftover containerd shims %s' % (name, shims))
                stop_pids(shims, 'shim', timeout=5)
            proxies = find_procs('docker-proxy', '-host-ip')  # only those of our daemons below
            for pid in proxies:
                argv = proc_argv(pid) or []
                if argv and argv[0].startswith((engine_root('trixie'), engine_root('sid'))):
                    stop_pids([pid], 'docker-proxy', timeout=5)
            for stale in (p['cpid'], p['csock'], p['csock'] + '.ttrpc', p['sock']):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(stale)
            delete_bridge(name)
        for kind in ('plain', 'auth'):
            p = rpaths(kind)
            pids = live_pids(p['pid'], 'docker-registry', p['conf'])
            if pids:
                log('registry-%s: stopping %s' % (kind, pids))
                stop_pids(pids, 'registry-' + kind, timeout=15)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(p['pid'])
        write_json(HARNESS_JSON, describe(load_state()))
    print('down; downloads and data kept in %s' % STATE_DIR)


def cmd_status():
    state = load_state()
    all_up = True
    for name in DAEMONS:
        st = daemon_status(name)
        p = dpaths(name)
        all_up &= st['up']
        host = 'unix://' + p['sock']
        if DAEMONS[name].get('tls') and state.get('ports', {}).get('tls'):
            host = 'tcp://127.0.0.1:%d + %s' % (state['ports']['tls'], host)
        fields = (name, 'up' if st['up'] else 'down', st.get('version_full') or '-', st.get('api_version') or '-', host)
        print('%-9s %-5s %-15s %-6s %s' % fields)
    for name in FLEET:  # opt-in: listed once started, not part of the exit code
        if not os.path.isdir(dpaths(name)['dir']):
            continue
        st = daemon_status(name)
        fields = (name, 'up' if st['up'] else 'down', st.get('version_full') or '-', st.get('api_version') or '-',
                  'unix://' + dpaths(name)['sock'])
        print('%-9s %-5s %-15s %-6s %s' % fields)
    for kind, st in registry_status(state).items():
        all_up &= st['up']
        url = 'http://127.0.0.1:%s' % st['port'] if st['port'] else '-'
        print('%-9s %-5s %-15s %-6s %s' % ('reg-' + kind, 'up' if st['up'] else 'down', '-', '-', url))
    print('harness.json: %s' % HARNESS_JSON)
    return 0 if all_up else 3


def cmd_env(name):
    info = read_json(HARNESS_JSON)
    if info is None:
        raise HarnessError('%s missing: run `tests/harness/harness up` first' % HARNESS_JSON)
    d = info.get('daemons', {}).get(name) or (info.get('fleet') or {}).get(name)
    if d is None:
        raise HarnessError('daemon %r is not up (up: %s); run `tests/harness/harness up %s`'
                           % (name, ' '.join(list(info.get('daemons', {})) + list(info.get('fleet') or {})) or 'none',
                              name if name in DAEMONS else 'fleet'))
    print('export DOCKER_HOST=%s' % shlex.quote(d['docker_host']))
    if d.get('cert_dir'):
        print('export DOCKER_TLS_VERIFY=1')
        print('export DOCKER_CERT_PATH=%s' % shlex.quote(d['cert_dir']))


def main(argv=None):
    parser = argparse.ArgumentParser(prog='harness', description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='cmd', required=True)
    up = sub.add_parser('up', help='start components (default: all)')
    up.add_argument('names', nargs='*', metavar='NAME',
                    help='%s (default: all of these); opt-in: %s' % (' '.join(ALL_COMPONENTS), ' '.join(OPTIONAL_COMPONENTS)))
    sub.add_parser('down', help='stop everything the harness started')
    sub.add_parser('status', help='print what is up')
    env = sub.add_parser('env', help='print export lines for a daemon')
    env.add_argument('name', choices=list(DAEMONS) + list(FLEET))
    args = parser.parse_args(argv)
    try:
        if args.cmd == 'up':
            cmd_up(args.names)
        elif args.cmd == 'down':
            cmd_down()
        elif args.cmd == 'status':
            return cmd_status()
        elif args.cmd == 'env':
            cmd_env(args.name)
    except HarnessError as exc:
        print('harness: ERROR: %s' % exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return 0


if __name__ == '__main__':
    sys.exit(main())
