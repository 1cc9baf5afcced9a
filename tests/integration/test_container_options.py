"""container: every option that describes a container, proven on dockerd 20.10 and 28.5.

``CASES`` is the table: one row per option (or a few suboptions that only make sense together), with
the value a container is created with, the value it is changed to, what an independent witness sees
for each (``docker inspect`` paths, or what the process in the container sees through ``docker
exec``), and what docker_container does on that change: ``updated`` in place through
``/containers/{id}/update``, ``recreated``, ``ignored`` (the option's default comparison is
``ignore``) or ``none`` (the harness cannot offer a second value; the row still proves the first
value and the unchanged rerun). ``tests/unit/test_container_option_coverage.py`` imports the table
and fails when an option of the module's argument spec has no row here nor a named test elsewhere.

To stay fast, rows share a container: every row belongs to a ``GROUP`` (one container per group and
daemon). A group's test creates the container with every row's first value, checks every witness,
reruns unchanged (``changed`` false), changes every row at once, checks the ``changes`` entries
(``action`` per row; the same container ID when every change is an update, a new one otherwise)
and the witnesses again. Groups needing a newer API than 1.41 run on 28.5; on 20.10 each of their
rows must be refused with a clear message before anything is created.

Options that need hardware or a host feature this machine lacks are proven as far as the daemon
lets them: ``device_requests`` and the ``device_*_bps/iops`` limits on a created (not started)
container, whose ``docker inspect`` shows the request; starting it fails with the daemon's clear
error (``test_device_requests_need_the_hardware``); ``storage_opts`` needs overlay on xfs with
``pquota`` (``test_storage_opts_refused_by_this_host``); ``blkio_weight`` is discarded by a kernel
without the CFQ/BFQ weight (``test_blkio_weight``); ``privileged`` cannot start on this machine, so
it is proven on a created container too.

Everything is named ``<prefix>-...`` and labelled ``dockerapi.test=<prefix>``; named volumes the
daemon creates for a test are removed by name.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import typing as t
import uuid
from pathlib import Path

import pytest

from conftest import BIN, ansible_env, daemon_connection, docker_cli, harness
from conftest import run_module as run

DAEMONS = ('d20', 'd28')

Expect = t.Union[t.Any, t.Callable[[t.Any], bool]]


class Check(t.NamedTuple):
    """A witness and what it must show after the first and after the second value.

    ``where`` is a ``docker inspect`` path (``HostConfig.ShmSize``; ``Mounts[Target=/b]`` picks the
    list element whose field equals the value), or ``$ <shell>`` run inside the container with
    ``docker exec`` (its stripped stdout). An expectation is a value (equality) or a predicate.
    """

    where: str
    first: Expect
    second: Expect


class Case(t.NamedTuple):
    paths: tuple[str, ...]  # option paths this row proves (``mounts.propagation``)
    group: str
    first: dict[str, t.Any]  # task options of the first run
    second: dict[str, t.Any]  # task options of the change run
    checks: tuple[Check, ...]
    action: str  # updated / recreated / ignored / none
    changed: tuple[str, ...] = ()  # options that must appear in ``changes``; default: the keys of ``second``
    note: str = ''


class Group(t.NamedTuple):
    state: str = 'started'
    base: dict[str, t.Any] = {}  # options every run of the group carries
    setup: tuple[tuple[str, ...], ...] = ()  # docker CLI commands run first (placeholders allowed)
    min_api: str | None = None  # rows need this API: refused on an older daemon
    note: str = ''


SLEEP = {'command': ['sleep', '300'], 'stop_timeout': 1}

GROUPS: dict[str, Group] = {
    # Options of the process and its namespaces: every change recreates.
    'process': Group(base={}),
    # The container's own network settings (networks: test_container_networks.py), resources that are not in the
    # update body, references to other containers by name (the daemon stores IDs) and host namespaces: recreate.
    'limits': Group(base=SLEEP, setup=(
        ('run', '-d', '--name', '{prefix}-src1', '--label', 'dockerapi.test={prefix}', '--ipc', 'shareable',
         '-v', '/src1vol', '{image}', 'sleep', '300'),
        ('run', '-d', '--name', '{prefix}-src2', '--label', 'dockerapi.test={prefix}', '--ipc', 'shareable',
         '-v', '/src2vol', '{image}', 'sleep', '300'),
    )),
    # Mounts with the suboptions API 1.41 knows.
    'mounts': Group(base=SLEEP, setup=(('volume', 'create', '--label', 'dockerapi.test={prefix}', '{prefix}-mv'),)),
    # Suboptions that need API 1.42 .. 1.47: 28.5 only; refused on 20.10.
    'newer-api': Group(base=SLEEP, min_api='1.46', setup=(
        ('volume', 'create', '--label', 'dockerapi.test={prefix}', '{prefix}-sv'),
        ('run', '--rm', '-v', '{prefix}-sv:/s', '{image}', 'mkdir', '-p', '/s/sub1', '/s/sub2'),
    )),
    # Created, not started: hardware requests and limits this machine cannot start with.
    'created': Group(state='present', base=SLEEP),
    # Everything /containers/{id}/update changes in place: the same container afterwards.
    'update-cfs': Group(base=SLEEP),
    'update-cpus': Group(base=SLEEP),
}


def _mount(target: str) -> str:
    return 'HostConfig.Mounts[Target=%s]' % target


def _has(*needles: str) -> t.Callable[[t.Any], bool]:
    """Predicate: the JSON of the value contains every needle."""
    return lambda value: all(n in json.dumps(value) for n in needles)


def _lacks(*needles: str) -> t.Callable[[t.Any], bool]:
    return lambda value: not any(n in json.dumps(value) for n in needles)


CASES: list[Case] = [
    # ---- process ----
    Case(('command', 'entrypoint'), 'process',
         {'entrypoint': ['/bin/sleep'], 'command': ['300']},
         {'entrypoint': ['/bin/busybox', 'sleep'], 'command': ['301']},
         (Check('Config.Entrypoint', ['/bin/sleep'], ['/bin/busybox', 'sleep']),
          Check('Config.Cmd', ['300'], ['301'])),
         'recreated'),
    Case(('env',), 'process', {'env': {'T_ENV': 'one'}}, {'env': {'T_ENV': 'two'}},
         (Check('$ echo $T_ENV', 'one', 'two'),), 'recreated', note='changes show the key only'),
    Case(('env_file',), 'process', {'env_file': '{tmp}/one.env'}, {'env_file': '{tmp}/two.env'},
         (Check('$ echo $T_FILE', 'one', 'two'),), 'recreated'),
    Case(('labels',), 'process', {'labels': {'t-label': 'one'}}, {'labels': {'t-label': 'two'}},
         (Check('Config.Labels.t-label', 'one', 'two'),), 'recreated'),
    Case(('hostname',), 'process', {'hostname': 'one'}, {'hostname': 'two'},
         (Check('$ hostname', 'one', 'two'),), 'recreated'),
    Case(('domainname',), 'process', {'domainname': 'one.test'}, {'domainname': 'two.test'},
         (Check('Config.Domainname', 'one.test', 'two.test'), Check('$ cat /proc/sys/kernel/domainname', 'one.test', 'two.test')),
         'recreated'),
    Case(('user',), 'process', {'user': '1000:1000'}, {'user': '1001:1001'},
         (Check('$ id -u', '1000', '1001'),), 'recreated'),
    Case(('groups',), 'process', {'groups': ['1234']}, {'groups': ['1235']},
         (Check('$ id -G', '1000 1234', '1001 1235'),), 'recreated'),
    Case(('working_dir',), 'process', {'working_dir': '/wd1'}, {'working_dir': '/wd2'},
         (Check('$ pwd', '/wd1', '/wd2'),), 'recreated'),
    Case(('tty',), 'process', {'tty': True}, {'tty': False},
         (Check('Config.Tty', True, False),), 'recreated'),
    Case(('interactive',), 'process', {'interactive': True}, {'interactive': False},
         (Check('Config.OpenStdin', True, False),), 'recreated'),
    Case(('init',), 'process', {'init': True}, {'init': False},
         (Check('HostConfig.Init', True, lambda v: not v),), 'recreated'),
    Case(('stop_signal',), 'process', {'stop_signal': 'SIGUSR1'}, {'stop_signal': 'SIGUSR2'},
         (Check('Config.StopSignal', 'SIGUSR1', 'SIGUSR2'),), 'recreated'),
    Case(('stop_timeout',), 'process', {'stop_timeout': 1}, {'stop_timeout': 2},
         (Check('Config.StopTimeout', 1, 2),), 'ignored',
         note="docker_container compares stop_timeout with 'ignore' by default: no entry; the recreate for the "
              'other rows carries the new value'),
    Case(('ipc_mode',), 'process', {'ipc_mode': 'shareable'}, {'ipc_mode': 'private'},
         (Check('HostConfig.IpcMode', 'shareable', 'private'),), 'recreated'),
    Case(('tmpfs',), 'process', {'tmpfs': ['/t1']}, {'tmpfs': ['/t2:size=1m']},
         (Check('HostConfig.Tmpfs', {'/t1': ''}, {'/t2': 'size=1m'}), Check('$ grep -c " /t2 " /proc/mounts || true', '0', '1')),
         'recreated'),
    Case(('healthcheck', 'healthcheck.test', 'healthcheck.interval', 'healthcheck.timeout', 'healthcheck.retries',
          'healthcheck.start_period', 'healthcheck.test_cli_compatible'), 'process',
         {'healthcheck': {'test': ['CMD', 'true'], 'interval': '30s', 'timeout': '5s', 'retries': 3, 'start_period': '10s',
                          'test_cli_compatible': False}},
         {'healthcheck': {'test': ['CMD-SHELL', 'true'], 'interval': '31s', 'timeout': '6s', 'retries': 4,
                          'start_period': '11s', 'test_cli_compatible': True}},
         (Check('Config.Healthcheck.Test', ['CMD', 'true'], ['CMD-SHELL', 'true']),
          Check('Config.Healthcheck.Interval', 30 * 10 ** 9, 31 * 10 ** 9),
          Check('Config.Healthcheck.Timeout', 5 * 10 ** 9, 6 * 10 ** 9),
          Check('Config.Healthcheck.Retries', 3, 4),
          Check('Config.Healthcheck.StartPeriod', 10 * 10 ** 9, 11 * 10 ** 9)),
         'recreated'),
    Case(('capabilities',), 'process', {'capabilities': ['NET_ADMIN']}, {'capabilities': ['SYS_TIME']},
         (Check('HostConfig.CapAdd', _has('NET_ADMIN'), _has('SYS_TIME')),
          Check('$ grep CapEff /proc/self/status', lambda v: v != '', lambda v: v != '')),
         'recreated'),
    Case(('cap_drop',), 'process', {'cap_drop': ['NET_RAW']}, {'cap_drop': ['MKNOD']},
         (Check('HostConfig.CapDrop', _has('NET_RAW'), _has('MKNOD')),), 'recreated'),
    Case(('security_opts',), 'process', {'security_opts': ['no-new-privileges']}, {'security_opts': ['label=disable']},
         (Check('HostConfig.SecurityOpt', _has('no-new-privileges'), _has('label=disable')),
          Check('$ grep NoNewPrivs /proc/self/status', lambda v: v.endswith('1'), lambda v: v.endswith('0'))),
         'recreated'),
    Case(('platform',), 'process', {'platform': 'linux/amd64'}, {'platform': 'linux/amd64'},
         (Check('Platform', 'linux', 'linux'),), 'none', note='the harness has images of one platform only'),
    Case(('runtime',), 'process', {'runtime': 'runc'}, {'runtime': 'runc'},
         (Check('HostConfig.Runtime', 'runc', 'runc'),), 'none', note='runc is the only runtime of the harness'),
    Case(('auto_remove',), 'process', {'auto_remove': False}, {'auto_remove': True},
         (Check('HostConfig.AutoRemove', False, True),), 'recreated'),
    # ---- limits: the container's own network settings ----
    Case(('published_ports', 'default_host_ip'), 'limits',
         {'published_ports': ['127.0.0.1::8090', '8091'], 'default_host_ip': '127.0.0.1'},
         {'published_ports': ['127.0.0.1::8090', '8092'], 'default_host_ip': '127.0.0.2'},
         (Check('HostConfig.PortBindings.8090/tcp', _has('127.0.0.1'), _has('127.0.0.1')),
          Check('HostConfig.PortBindings.8091/tcp', _has('127.0.0.1'), None),
          Check('HostConfig.PortBindings.8092/tcp', None, _has('127.0.0.2'))),
         'recreated', changed=('published_ports',),
         note='default_host_ip is the address of ports without one; it shows in published_ports'),
    Case(('exposed_ports',), 'limits', {'exposed_ports': ['7001']}, {'exposed_ports': ['7002/udp']},
         (Check('Config.ExposedPorts', _has('7001/tcp'), _has('7002/udp')),), 'recreated'),
    Case(('publish_all_ports',), 'created', {'publish_all_ports': False}, {'publish_all_ports': True},
         (Check('HostConfig.PublishAllPorts', False, True),), 'recreated'),
    Case(('dns_servers',), 'limits', {'dns_servers': ['10.0.0.53']}, {'dns_servers': ['10.0.0.54']},
         (Check('$ grep ^nameserver /etc/resolv.conf', 'nameserver 10.0.0.53', 'nameserver 10.0.0.54'),), 'recreated'),
    Case(('dns_search_domains',), 'limits', {'dns_search_domains': ['one.test']}, {'dns_search_domains': ['two.test']},
         (Check('$ grep ^search /etc/resolv.conf', 'search one.test', 'search two.test'),), 'recreated'),
    Case(('dns_opts',), 'limits', {'dns_opts': ['ndots:2']}, {'dns_opts': ['ndots:3']},
         (Check('$ grep ^options /etc/resolv.conf', 'options ndots:2', 'options ndots:3'),), 'recreated'),
    Case(('etc_hosts',), 'limits', {'etc_hosts': {'one.test': '10.1.2.3'}}, {'etc_hosts': {'one.test': '10.1.2.4'}},
         (Check('$ grep one.test /etc/hosts', _has('10.1.2.3'), _has('10.1.2.4')),), 'recreated'),
    Case(('mac_address',), 'limits', {'mac_address': '02:42:ac:11:00:99'}, {'mac_address': '02:42:ac:11:00:98'},
         (Check('$ cat /sys/class/net/eth0/address', '02:42:ac:11:00:99', '02:42:ac:11:00:98'),), 'recreated'),
    Case(('sysctls',), 'limits', {'sysctls': {'net.ipv4.ip_forward': '1'}}, {'sysctls': {'net.ipv4.ip_forward': '0'}},
         (Check('$ cat /proc/sys/net/ipv4/ip_forward', '1', '0'),), 'recreated'),
    # ---- limits: resources that recreate ----
    Case(('shm_size',), 'limits', {'shm_size': '32m'}, {'shm_size': '48m'},
         (Check('HostConfig.ShmSize', 32 << 20, 48 << 20), Check("$ df -k /dev/shm | tail -1 | awk '{print $2}'", '32768', '49152')),
         'recreated'),
    Case(('ulimits',), 'limits', {'ulimits': ['nofile:1024:2048']}, {'ulimits': ['nofile:1025:2049']},
         (Check('HostConfig.Ulimits', [{'Name': 'nofile', 'Soft': 1024, 'Hard': 2048}], [{'Name': 'nofile', 'Soft': 1025, 'Hard': 2049}]),),
         'recreated'),
    Case(('oom_score_adj',), 'limits', {'oom_score_adj': 100}, {'oom_score_adj': 200},
         (Check('$ cat /proc/self/oom_score_adj', '100', '200'),), 'recreated'),
    Case(('oom_killer',), 'limits', {'oom_killer': True}, {'oom_killer': False},
         (Check('HostConfig.OomKillDisable', True, False),), 'recreated',
         note='docker_container: oom_killer is "whether to disable the OOM killer"'),
    Case(('memory_swappiness',), 'limits', {'memory_swappiness': 10}, {'memory_swappiness': 20},
         (Check('HostConfig.MemorySwappiness', 10, 20),), 'recreated'),
    Case(('cgroup_parent',), 'limits', {'cgroup_parent': 'dockerapi-t-one'}, {'cgroup_parent': 'dockerapi-t-two'},
         (Check('HostConfig.CgroupParent', 'dockerapi-t-one', 'dockerapi-t-two'),
          Check('$ grep :memory: /proc/self/cgroup', _has('dockerapi-t-one'), _has('dockerapi-t-two'))),
         'recreated'),
    Case(('cgroupns_mode',), 'process', {'cgroupns_mode': 'private'}, {'cgroupns_mode': 'host'},
         (Check('HostConfig.CgroupnsMode', 'private', 'host'),), 'recreated'),
    Case(('devices',), 'limits', {'devices': ['/dev/null:/dev/xnull:rwm']}, {'devices': ['/dev/zero:/dev/xzero:r']},
         (Check('$ ls /dev/xnull /dev/xzero 2>/dev/null || true', '/dev/xnull', '/dev/xzero'),), 'recreated'),
    Case(('device_cgroup_rules',), 'limits', {'device_cgroup_rules': ['c 1:3 r']}, {'device_cgroup_rules': ['c 1:5 r']},
         (Check('HostConfig.DeviceCgroupRules', ['c 1:3 r'], ['c 1:5 r']),), 'recreated'),
    Case(('log_driver', 'log_options'), 'limits',
         {'log_driver': 'json-file', 'log_options': {'max-size': '1m'}},
         {'log_driver': 'local', 'log_options': {'max-size': '2m'}},
         (Check('HostConfig.LogConfig', {'Type': 'json-file', 'Config': {'max-size': '1m'}},
                {'Type': 'local', 'Config': {'max-size': '2m'}}),), 'recreated'),
    Case(('volumes', 'volume_driver'), 'limits',
         {'volumes': ['{prefix}-v1:/data', '{tmp}/bind1:/b1:ro'], 'volume_driver': 'local'},
         {'volumes': ['{prefix}-v2:/data', '{tmp}/bind1:/b1:rw'], 'volume_driver': 'local'},
         (Check('HostConfig.Binds', _has('{prefix}-v1:/data', ':/b1:ro'),
                lambda v: _has('{prefix}-v2:/data', ':/b1')(v) and _lacks(':/b1:ro')(v)),
          Check('HostConfig.VolumeDriver', 'local', 'local'),
          Check('$ touch /b1/x 2>/dev/null && echo rw || echo ro', 'ro', 'rw')),
         'recreated', changed=('volumes',), note='volume_driver: local is the only driver of the harness'),
    # ---- limits: references by name, host namespaces ----
    Case(('volumes_from',), 'limits', {'volumes_from': ['{prefix}-src1']}, {'volumes_from': ['{prefix}-src2:ro']},
         (Check('$ ls -d /src1vol /src2vol 2>/dev/null || true', '/src1vol', '/src2vol'),), 'recreated'),
    Case(('links',), 'limits', {'links': ['{prefix}-src1:db']}, {'links': ['{prefix}-src2:db']},
         (Check('HostConfig.Links', _has('{prefix}-src1'), _has('{prefix}-src2')),), 'recreated'),
    Case(('pid_mode',), 'limits', {'pid_mode': 'container:{prefix}-src1'}, {'pid_mode': 'container:{prefix}-src2'},
         (Check('HostConfig.PidMode', 'container:{src1}', 'container:{src2}'),), 'recreated',
         note='the daemon stores container:<ID>; the rerun must not recreate'),
    Case(('uts',), 'limits', {'uts': ''}, {'uts': 'host'},
         (Check('HostConfig.UTSMode', '', 'host'),), 'recreated'),
    Case(('userns_mode',), 'limits', {'userns_mode': ''}, {'userns_mode': 'host'},
         (Check('HostConfig.UsernsMode', '', 'host'),), 'recreated'),
    Case(('read_only',), 'limits', {'read_only': True}, {'read_only': False},
         (Check('$ touch /x 2>/dev/null && echo rw || echo ro', 'ro', 'rw'),), 'recreated'),
    # ---- mounts ----
    Case(('mounts', 'mounts.type', 'mounts.source', 'mounts.target', 'mounts.read_only', 'mounts.propagation',
          'mounts.consistency', 'mounts.non_recursive', 'mounts.no_copy', 'mounts.labels', 'mounts.volume_driver',
          'mounts.volume_options', 'mounts.tmpfs_size', 'mounts.tmpfs_mode'), 'mounts',
         {'mounts': [
             {'type': 'bind', 'source': '{tmp}/bind1', 'target': '/b', 'read_only': True, 'propagation': 'rprivate',
              'consistency': 'default', 'non_recursive': True},
             {'type': 'volume', 'source': '{prefix}-mv', 'target': '/v', 'no_copy': True, 'labels': {'one': 'x'},
              'volume_driver': 'local', 'volume_options': {'type': 'tmpfs'}},
             {'type': 'tmpfs', 'target': '/tm', 'tmpfs_size': '1m', 'tmpfs_mode': '1700'}]},
         {'mounts': [
             {'type': 'bind', 'source': '{tmp}/bind2', 'target': '/b', 'read_only': False, 'propagation': 'private',
              'consistency': 'cached', 'non_recursive': False},
             {'type': 'volume', 'source': '{prefix}-mv', 'target': '/v', 'no_copy': False, 'labels': {'two': 'y'},
              'volume_driver': 'local', 'volume_options': {'type': 'tmpfs', 'device': 'tmpfs'}},
             {'type': 'tmpfs', 'target': '/tm', 'tmpfs_size': '2m', 'tmpfs_mode': '1770'}]},
         (Check(_mount('/b') + '.Source', '{tmp}/bind1', '{tmp}/bind2'),
          Check(_mount('/b') + '.ReadOnly', True, lambda v: not v),
          Check(_mount('/b') + '.Consistency', lambda v: v in (None, 'default'), 'cached'),
          Check(_mount('/b') + '.BindOptions', _has('"rprivate"', '"NonRecursive": true'),
                _lacks('"rprivate"', '"NonRecursive": true')),
          Check(_mount('/v') + '.VolumeOptions', _has('NoCopy', '"one"', 'local', 'tmpfs'),
                lambda v: _has('"two"', 'device')(v) and '"NoCopy": true' not in json.dumps(v)),
          Check(_mount('/tm') + '.TmpfsOptions', {'SizeBytes': 1 << 20, 'Mode': 0o1700}, {'SizeBytes': 2 << 20, 'Mode': 0o1770}),
          Check('$ cat /b/which', 'one', 'two'),
          Check('$ touch /b/x 2>/dev/null && echo rw || echo ro', 'ro', 'rw')),
         'recreated', changed=('mounts',)),
    # ---- newer API (28.5; refused on 20.10) ----
    Case(('healthcheck.start_interval',), 'newer-api',
         {'healthcheck': {'test': ['CMD', 'true'], 'start_interval': '2s'}},
         {'healthcheck': {'test': ['CMD', 'true'], 'start_interval': '3s'}},
         (Check('Config.Healthcheck.StartInterval', 2 * 10 ** 9, 3 * 10 ** 9),), 'recreated', changed=('healthcheck',),
         note='API 1.44'),
    Case(('mounts.create_mountpoint', 'mounts.read_only_non_recursive', 'mounts.read_only_force_recursive',
          'mounts.subpath', 'mounts.tmpfs_options'), 'newer-api',
         {'mounts': [
             {'type': 'bind', 'source': '{tmp}/new1', 'target': '/n', 'create_mountpoint': True},
             {'type': 'bind', 'source': '{tmp}/bind1', 'target': '/r', 'read_only': True, 'read_only_non_recursive': True},
             {'type': 'volume', 'source': '{prefix}-sv', 'target': '/s', 'subpath': 'sub1'},
             {'type': 'tmpfs', 'target': '/to', 'tmpfs_options': [{'noexec': ''}]}]},
         {'mounts': [
             {'type': 'bind', 'source': '{tmp}/new2', 'target': '/n', 'create_mountpoint': True},
             {'type': 'bind', 'source': '{tmp}/bind1', 'target': '/r', 'read_only': True, 'read_only_force_recursive': True},
             {'type': 'volume', 'source': '{prefix}-sv', 'target': '/s', 'subpath': 'sub2'},
             {'type': 'tmpfs', 'target': '/to', 'tmpfs_options': [{'exec': ''}]}]},
         (Check(_mount('/n') + '.BindOptions.CreateMountpoint', True, True),
          Check(_mount('/n') + '.Source', '{tmp}/new1', '{tmp}/new2'),
          Check(_mount('/r') + '.BindOptions', _has('ReadOnlyNonRecursive'), _has('ReadOnlyForceRecursive')),
          Check(_mount('/s') + '.VolumeOptions.Subpath', 'sub1', 'sub2'),
          Check(_mount('/to') + '.TmpfsOptions', _has('noexec'), _lacks('noexec'))),
         'recreated', changed=('mounts',),
         note='create_mountpoint 1.42, read_only_*_recursive 1.44, subpath 1.45, tmpfs_options 1.46'),
    # ---- created, not started ----
    Case(('device_requests', 'device_requests.driver', 'device_requests.count', 'device_requests.device_ids',
          'device_requests.capabilities', 'device_requests.options'), 'created',
         {'device_requests': [{'driver': 'nvidia', 'count': 1, 'capabilities': [['gpu']], 'options': {'a': 'b'}},
                              {'driver': 'fake', 'device_ids': ['0'], 'capabilities': [['compute', 'utility']]}]},
         {'device_requests': [{'driver': 'nvidia', 'count': 2, 'capabilities': [['gpu']], 'options': {'a': 'c'}},
                              {'driver': 'fake', 'device_ids': ['1'], 'capabilities': [['compute', 'utility']]}]},
         (Check('HostConfig.DeviceRequests', _has('"Count": 1', '"a": "b"', '"0"', 'nvidia', 'compute'),
                _has('"Count": 2', '"a": "c"', '"1"', 'fake')),),
         'recreated', note='no GPU here: created only; test_device_requests_need_the_hardware starts one'),
    Case(('device_read_bps', 'device_read_bps.path', 'device_read_bps.rate'), 'created',
         {'device_read_bps': [{'path': '/dev/null', 'rate': '1m'}]}, {'device_read_bps': [{'path': '/dev/null', 'rate': '2m'}]},
         (Check('HostConfig.BlkioDeviceReadBps', [{'Path': '/dev/null', 'Rate': 1 << 20}], [{'Path': '/dev/null', 'Rate': 2 << 20}]),),
         'recreated', note='/dev/null is no block device: starting fails, so created only'),
    Case(('device_write_bps', 'device_write_bps.path', 'device_write_bps.rate'), 'created',
         {'device_write_bps': [{'path': '/dev/null', 'rate': '1m'}]}, {'device_write_bps': [{'path': '/dev/null', 'rate': '3m'}]},
         (Check('HostConfig.BlkioDeviceWriteBps', [{'Path': '/dev/null', 'Rate': 1 << 20}], [{'Path': '/dev/null', 'Rate': 3 << 20}]),),
         'recreated'),
    Case(('device_read_iops', 'device_read_iops.path', 'device_read_iops.rate'), 'created',
         {'device_read_iops': [{'path': '/dev/null', 'rate': 100}]}, {'device_read_iops': [{'path': '/dev/null', 'rate': 200}]},
         (Check('HostConfig.BlkioDeviceReadIOps', [{'Path': '/dev/null', 'Rate': 100}], [{'Path': '/dev/null', 'Rate': 200}]),),
         'recreated'),
    Case(('device_write_iops', 'device_write_iops.path', 'device_write_iops.rate'), 'created',
         {'device_write_iops': [{'path': '/dev/null', 'rate': 100}]}, {'device_write_iops': [{'path': '/dev/null', 'rate': 300}]},
         (Check('HostConfig.BlkioDeviceWriteIOps', [{'Path': '/dev/null', 'Rate': 100}], [{'Path': '/dev/null', 'Rate': 300}]),),
         'recreated'),
    Case(('privileged',), 'created', {'privileged': False}, {'privileged': True},
         (Check('HostConfig.Privileged', False, True),), 'recreated', note='--privileged cannot start on this machine'),
    # ---- updated in place ----
    Case(('memory',), 'update-cfs', {'memory': '64m'}, {'memory': '96m'},
         (Check('HostConfig.Memory', 64 << 20, 96 << 20),
          Check('$ cat /sys/fs/cgroup/memory/memory.limit_in_bytes', str(64 << 20), str(96 << 20))), 'updated'),
    Case(('memory_reservation',), 'update-cfs', {'memory_reservation': '32m'}, {'memory_reservation': '48m'},
         (Check('HostConfig.MemoryReservation', 32 << 20, 48 << 20),), 'updated'),
    Case(('memory_swap',), 'update-cfs', {'memory_swap': '128m'}, {'memory_swap': '192m'},
         (Check('HostConfig.MemorySwap', 128 << 20, 192 << 20),), 'updated'),
    Case(('cpu_period', 'cpu_quota'), 'update-cfs', {'cpu_period': 100000, 'cpu_quota': 50000},
         {'cpu_period': 200000, 'cpu_quota': 60000},
         (Check('HostConfig.CpuPeriod', 100000, 200000), Check('HostConfig.CpuQuota', 50000, 60000),
          Check('$ cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us', '50000', '60000')), 'updated'),
    Case(('cpu_shares',), 'update-cfs', {'cpu_shares': 512}, {'cpu_shares': 256},
         (Check('$ cat /sys/fs/cgroup/cpu/cpu.shares', '512', '256'),), 'updated'),
    Case(('cpuset_cpus',), 'update-cfs', {'cpuset_cpus': '0'}, {'cpuset_cpus': '1'},
         (Check('$ cat /sys/fs/cgroup/cpuset/cpuset.cpus', '0', '1'),), 'updated'),
    Case(('cpuset_mems',), 'update-cfs', {'cpuset_mems': '0'}, {'cpuset_mems': '0'},
         (Check('HostConfig.CpusetMems', '0', '0'),), 'none', note='the harness machine has one memory node'),
    Case(('pids_limit',), 'update-cfs', {'pids_limit': 50}, {'pids_limit': 60},
         (Check('$ cat /sys/fs/cgroup/pids/pids.max', '50', '60'),), 'updated'),
    Case(('restart_retries',), 'update-cfs', {'restart_policy': 'on-failure', 'restart_retries': 3},
         {'restart_policy': 'on-failure', 'restart_retries': 5},
         (Check('HostConfig.RestartPolicy', {'Name': 'on-failure', 'MaximumRetryCount': 3},
                {'Name': 'on-failure', 'MaximumRetryCount': 5}),), 'updated', changed=('restart_retries',)),
    Case(('cpus',), 'update-cpus', {'cpus': 0.5}, {'cpus': 1.5},
         (Check('HostConfig.NanoCpus', 5 * 10 ** 8, 15 * 10 ** 8),
          Check('$ cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us', '50000', '150000')), 'updated'),
    Case(('restart_policy',), 'update-cpus', {'restart_policy': 'always'}, {'restart_policy': 'unless-stopped'},
         (Check('HostConfig.RestartPolicy.Name', 'always', 'unless-stopped'),), 'updated'),
]

# Paths proven by a dedicated test of this file (not the group table).
PROVEN_HERE: dict[str, str] = {
    'storage_opts': 'test_storage_opts_refused_by_this_host',
    'blkio_weight': 'test_blkio_weight',
    'kernel_memory': 'test_kernel_memory',
    'keep_volumes': 'test_keep_volumes',
    'cap_add': 'test_migration_style_task',
    'comparisons': 'test_migration_style_task',
    'container_default_behavior': 'test_migration_style_task',
    'command_handling': 'test_migration_style_task',
}


def covered_paths() -> set[str]:
    """Every option path with a row or a dedicated test here (for the coverage unit test)."""
    return {p for case in CASES for p in case.paths} | set(PROVEN_HERE)


# ------------------------------------------------------------------------------------------------ helpers

def _prefix(tag: str) -> str:
    return 'ot-%s-%s' % (tag, uuid.uuid4().hex[:6])


def _fill(value: t.Any, subst: dict[str, str]) -> t.Any:
    if isinstance(value, str):
        for key, text in subst.items():
            value = value.replace('{%s}' % key, text)
        return value
    if isinstance(value, dict):
        return {_fill(k, subst): _fill(v, subst) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_fill(v, subst) for v in value]
    return value


def _expect(expected: Expect, value: t.Any, subst: dict[str, str]) -> bool:
    if callable(expected):
        # predicates compare JSON text: fill the placeholders into the value's side instead
        text = json.dumps(value)
        for key, fill in subst.items():
            text = text.replace(fill, '{%s}' % key)
        return bool(expected(json.loads(text)))
    return bool(_fill(expected, subst) == value)


_SELECT = re.compile(r'^(?P<key>[^\[]+)\[(?P<field>[^=]+)=(?P<value>[^\]]*)\]$')


def _dig_path(document: t.Any, path: str) -> t.Any:
    """``_dig`` that lets a segment hold a port key such as ``8090/tcp`` and a ``[Target=/b]`` selector."""
    parts: list[str] = []
    for raw in re.findall(r'[^.\[]+(?:\[[^\]]*\])?', path):
        parts.append(raw)
    for part in parts:
        match = _SELECT.match(part)
        if match:
            items = (document or {}).get(match['key']) or []
            document = next((i for i in items if str(i.get(match['field'])) == match['value']), None)
            continue
        document = document.get(part) if isinstance(document, dict) else None
    return document


def _witness(daemon: dict, name: str, checks: t.Iterable[Check], stage: str, subst: dict[str, str]) -> list[str]:
    """Every witness of ``checks`` for ``stage`` (first/second); returns the failures."""
    inspect = json.loads(docker_cli(daemon, 'inspect', name).stdout)[0]
    failures = []
    for check in checks:
        expected = getattr(check, stage)
        if check.where.startswith('$ '):
            proc = docker_cli(daemon, 'exec', name, 'sh', '-c', _fill(check.where[2:], subst), check=False)
            value: t.Any = proc.stdout.strip()
        else:
            value = _dig_path(inspect, _fill(check.where, subst))
        if not _expect(expected, value, subst):
            failures.append('%s after the %s value: %r' % (check.where, stage, value))
    return failures


def _cleanup(daemon: dict, prefix: str) -> None:
    ids = docker_cli(daemon, 'ps', '-aq', '--filter', 'label=dockerapi.test=%s' % prefix, check=False).stdout.split()
    ids += docker_cli(daemon, 'ps', '-aq', '--filter', 'name=%s-' % prefix, check=False).stdout.split()
    if ids:
        docker_cli(daemon, 'rm', '-fv', *sorted(set(ids)), check=False)
    volumes = docker_cli(daemon, 'volume', 'ls', '-q', '--filter', 'name=%s-' % prefix, check=False).stdout.split()
    if volumes:
        docker_cli(daemon, 'volume', 'rm', '-f', *volumes, check=False)


def _api_at_least(daemon: dict, version: str) -> bool:
    return tuple(int(x) for x in daemon['api_version'].split('.')) >= tuple(int(x) for x in version.split('.'))


def _files(tmp: str) -> None:
    Path(tmp, 'one.env').write_text('T_FILE=one\n')
    Path(tmp, 'two.env').write_text('T_FILE=two\n')
    for which in ('bind1', 'bind2'):
        Path(tmp, which).mkdir()
        Path(tmp, which, 'which').write_text('one\n' if which == 'bind1' else 'two\n')
    Path(tmp).chmod(0o755)


def _args(daemon: dict, name: str, prefix: str, group: Group, cases: list[Case], stage: str,
          subst: dict[str, str]) -> dict[str, t.Any]:
    args: dict[str, t.Any] = dict(daemon_connection(daemon), name=name, image=harness()['test_image'], state=group.state)
    args.update(group.base)
    for case in cases:
        args.update(getattr(case, stage))
    labels = dict(args.get('labels') or {})
    labels['dockerapi.test'] = prefix
    args['labels'] = labels
    return _fill(args, subst)


def _run_warned(args: dict[str, t.Any]) -> tuple[dict[str, t.Any], str]:
    """``run_module`` that also returns what ansible printed: the stdout callback shows warnings and drops them
    from the stored result."""
    with tempfile.TemporaryDirectory(prefix='dockerapi-warned-') as tree:
        extra = {'ANSIBLE_LOAD_CALLBACK_PLUGINS': '1', 'ANSIBLE_CALLBACKS_ENABLED': 'ansible.builtin.tree',
                 'ANSIBLE_CALLBACK_TREE_DIR': tree}
        proc = subprocess.run([str(BIN / 'ansible'), 'localhost', '-m', 'dockerapi.engine.container', '-a', json.dumps(args)],
                              env=ansible_env(extra), capture_output=True, text=True, timeout=600, check=False)
        with open(os.path.join(tree, 'localhost')) as handle:
            result = json.load(handle)
    result.setdefault('failed', proc.returncode != 0)
    printed = re.sub(r'\s+', ' ', proc.stdout + proc.stderr)
    return result, printed


def _changes_of(result: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for entry in result.get('changes') or []:
        found.setdefault(str(entry.get('option')), []).append(str(entry.get('action')))
    return found


def _group_params() -> list[t.Any]:
    return [pytest.param(g, d, id='%s-%s' % (g, d)) for g in GROUPS for d in DAEMONS]


# ------------------------------------------------------------------------------------------------ tests

@pytest.mark.parametrize('group_name,daemon_name', _group_params())
def test_option_group(group_name: str, daemon_name: str) -> None:
    """Create with the first values, witness, rerun unchanged, change every row, witness the second values."""
    daemon = harness()['daemons'][daemon_name]
    group = GROUPS[group_name]
    cases = [c for c in CASES if c.group == group_name]
    prefix = _prefix('%s-%s' % (group_name, daemon_name))
    name = prefix + '-c'
    with tempfile.TemporaryDirectory(prefix='dockerapi-opts-') as tmp:
        subst = {'prefix': prefix, 'tmp': tmp, 'image': harness()['test_image']}
        _files(tmp)
        try:
            if group.min_api and not _api_at_least(daemon, group.min_api):
                _refused_one_by_one(daemon, name, prefix, group, cases, subst)
                return
            for command in group.setup:
                docker_cli(daemon, *_fill(list(command), subst))
            for ref in ('src1', 'src2'):
                found = docker_cli(daemon, 'inspect', '--format', '{{.Id}}', '%s-%s' % (prefix, ref), check=False)
                if found.returncode == 0:
                    subst[ref] = found.stdout.strip()
            first = run('container', _args(daemon, name, prefix, group, cases, 'first', subst))
            assert not first['failed'] and first['changed'], first
            first_id = first['container']['Id']
            failures = _witness(daemon, name, [c for case in cases for c in case.checks], 'first', subst)
            assert not failures, failures

            again = run('container', _args(daemon, name, prefix, group, cases, 'first', subst))
            assert not again['failed'], again
            assert again['changed'] is False and not again.get('changes'), again.get('changes') or again.get('actions')

            second = run('container', _args(daemon, name, prefix, group, cases, 'second', subst), diff=True)
            assert not second['failed'] and second['changed'], second
            changes = _changes_of(second)
            problems = []
            for case in cases:
                options = case.changed or tuple(case.second)
                for option in options:
                    if case.action in ('updated', 'recreated') and case.action not in changes.get(option, []):
                        problems.append('%s: want %s, changes say %s' % (option, case.action, changes.get(option)))
                    if case.action in ('ignored', 'none') and option in changes:
                        problems.append('%s: want no entry, changes say %s' % (option, changes[option]))
            assert not problems, (problems, second.get('changes'))
            for entry in second.get('changes') or []:
                assert set(entry) >= {'option', 'wanted', 'actual', 'comparison', 'action'}, entry
            # --diff (when the callback keeps it): before/after of just the changed options; env shows keys only.
            diff = second.get('diff') or {}
            assert set(diff.get('after') or {}) <= set(changes) | {'running', 'exists'}, diff
            if 'env' in changes:
                assert 'two' not in json.dumps([e for e in second['changes'] if e['option'] == 'env']), second['changes']
                assert 'two' not in json.dumps((diff.get('after') or {}).get('env')), diff
            updates_only = all(c.action in ('updated', 'none', 'ignored') for c in cases)
            if updates_only:
                assert second['container']['Id'] == first_id, 'an update in place keeps the container'
            else:
                assert second['container']['Id'] != first_id, 'a recreate makes a new container'
            failures = _witness(daemon, name, [c for case in cases for c in case.checks], 'second', subst)
            assert not failures, failures
        finally:
            _cleanup(daemon, prefix)


def _refused_one_by_one(daemon: dict, name: str, prefix: str, group: Group, cases: list[Case],
                        subst: dict[str, str]) -> None:
    """Every row of a newer-API group fails before anything changes, naming the option and the API version."""
    for case in cases:
        if not any(_needs_newer(p, daemon) for p in case.paths):
            continue
        result = run('container', _args(daemon, name, prefix, group, [case], 'first', subst))
        assert result['failed'], (case.paths, result)
        assert re.search(r'API 1\.4\d', result['msg']), result['msg']
        assert any(p.split('.')[-1] in result['msg'] for p in case.paths), result['msg']
        assert docker_cli(daemon, 'ps', '-aq', '--filter', 'name=^/%s$' % name).stdout.strip() == ''


NEWER_API = {
    'healthcheck.start_interval': '1.44', 'mounts.create_mountpoint': '1.42', 'mounts.read_only_non_recursive': '1.44',
    'mounts.read_only_force_recursive': '1.44', 'mounts.subpath': '1.45', 'mounts.tmpfs_options': '1.46',
}


def _needs_newer(path: str, daemon: dict) -> bool:
    return path in NEWER_API and not _api_at_least(daemon, NEWER_API[path])


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_image_mount_type(daemon_name: str) -> None:
    """mounts type image (API 1.47): the image's files read-only in the container on 28.5; refused on 20.10."""
    daemon = harness()['daemons'][daemon_name]
    prefix = _prefix('imagemount-' + daemon_name)
    image = harness()['test_image']
    args = dict(daemon_connection(daemon), name=prefix + '-c', image=image, labels={'dockerapi.test': prefix}, **SLEEP,
                mounts=[{'type': 'image', 'source': image, 'target': '/img'}])
    try:
        result = run('container', args)
        if not _api_at_least(daemon, '1.47'):
            assert result['failed'] and '1.47' in result['msg'] and 'image' in result['msg'], result
            assert docker_cli(daemon, 'ps', '-aq', '--filter', 'name=%s' % prefix).stdout.strip() == ''
            return
        assert not result['failed'], result
        assert docker_cli(daemon, 'exec', prefix + '-c', 'ls', '/img/bin/busybox').returncode == 0
        assert run('container', args)['changed'] is False
    finally:
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_device_requests_need_the_hardware(daemon_name: str) -> None:
    """Starting with a GPU request on a machine without the driver fails with the daemon's own clear error."""
    daemon = harness()['daemons'][daemon_name]
    prefix = _prefix('gpu-' + daemon_name)
    args = dict(daemon_connection(daemon), name=prefix + '-c', image=harness()['test_image'], labels={'dockerapi.test': prefix},
                device_requests=[{'driver': 'nvidia', 'count': -1, 'capabilities': [['gpu']]}], **SLEEP)
    try:
        predicted = run('container', args, check=True)
        assert not predicted['failed'] and predicted['changed'], predicted
        result = run('container', args)
        assert result['failed'] and 'nvidia' in result['msg'], result
    finally:
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_storage_opts_refused_by_this_host(daemon_name: str) -> None:
    """storage_opts needs overlay on xfs with pquota: the daemon refuses it; the module says so and creates nothing."""
    daemon = harness()['daemons'][daemon_name]
    prefix = _prefix('storage-' + daemon_name)
    args = dict(daemon_connection(daemon), name=prefix + '-c', image=harness()['test_image'], labels={'dockerapi.test': prefix},
                storage_opts={'size': '1G'}, **SLEEP)
    try:
        predicted = run('container', args, check=True)
        assert not predicted['failed'] and predicted['changed'], predicted
        result = run('container', args)
        assert result['failed'] and 'storage' in result['msg'].lower(), result
        assert docker_cli(daemon, 'ps', '-aq', '--filter', 'name=%s' % prefix).stdout.strip() == ''
        refused = run('container', dict(args, storage_opts={'size': 1.5}))
        assert refused['failed'] and 'quote' in refused['msg'].lower(), refused
    finally:
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_blkio_weight(daemon_name: str) -> None:
    """blkio_weight is updated in place where the kernel has the weight; this kernel has not and the daemon drops it.

    The module must not pretend: either the value reaches the container (and a change is an update in
    place), or the run tells the user the daemon discarded it (a warning naming blkio_weight).
    """
    daemon = harness()['daemons'][daemon_name]
    prefix = _prefix('blkio-' + daemon_name)
    args = dict(daemon_connection(daemon), name=prefix + '-c', image=harness()['test_image'], labels={'dockerapi.test': prefix},
                blkio_weight=300, **SLEEP)
    try:
        first, printed = _run_warned(args)
        assert not first['failed'], first
        weight = json.loads(docker_cli(daemon, 'inspect', '--format', '{{json .HostConfig.BlkioWeight}}', prefix + '-c').stdout)
        if weight == 300:
            assert run('container', args)['changed'] is False
            second = run('container', dict(args, blkio_weight=400))
            assert _changes_of(second).get('blkio_weight') == ['updated'], second
            assert second['container']['Id'] == first['container']['Id']
        else:
            assert weight == 0
            assert 'block i/o weight' in printed.lower() or 'blkio_weight' in printed, printed
    finally:
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_kernel_memory(daemon_name: str) -> None:
    """kernel_memory is accepted for docker_container's tasks and ignored, which the run says (never silently).

    28.5 (API 1.42+) ignores kernel memory limits; the module does not send them to any daemon, warns
    naming the option, and an unchanged rerun stays unchanged.
    """
    daemon = harness()['daemons'][daemon_name]
    prefix = _prefix('kmem-' + daemon_name)
    args = dict(daemon_connection(daemon), name=prefix + '-c', image=harness()['test_image'], labels={'dockerapi.test': prefix},
                kernel_memory='64m', **SLEEP)
    try:
        result, printed = _run_warned(args)
        assert not result['failed'], result
        assert '[WARNING]: kernel_memory' in printed, printed
        assert docker_cli(daemon, 'inspect', '--format', '{{.HostConfig.KernelMemory}}', prefix + '-c').stdout.strip() in ('0', '<no value>')
        again, printed = _run_warned(args)
        assert again['changed'] is False and '[WARNING]: kernel_memory' in printed, (again, printed)
        bad = run('container', dict(args, kernel_memory='lots'))
        assert bad['failed'] and 'kernel_memory' in bad['msg'], bad
    finally:
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_migration_style_task(daemon_name: str) -> None:
    """docker_container-style task: cap_add is an alias of capabilities, pull true, float labels refused, comparisons."""
    daemon = harness()['daemons'][daemon_name]
    prefix = _prefix('migrate-' + daemon_name)
    base = dict(daemon_connection(daemon), name=prefix + '-c', image=harness()['test_image'], **SLEEP)
    labels = {'dockerapi.test': prefix, 'version': '1.10'}
    try:
        first = run('container', dict(base, labels=labels, cap_add=['NET_ADMIN'], env={'A': '1'}))
        assert not first['failed'] and first['changed'], first
        # The same task in docker_container's words: capabilities, explicit legacy switches at their defaults.
        same = dict(base, labels=labels, capabilities=['NET_ADMIN'], env={'A': '1'}, command_handling='correct',
                    container_default_behavior='no_defaults')
        assert run('container', same)['changed'] is False
        # comparisons: env ignored, so a different env changes nothing; '*': ignore ignores everything.
        assert run('container', dict(same, env={'A': '2'}, comparisons={'env': 'ignore'}))['changed'] is False
        assert run('container', dict(same, env={'A': '2'}, capabilities=['SYS_TIME'],
                                     comparisons={'*': 'ignore'}))['changed'] is False
        # labels: allow_more_present by default, strict on request.
        assert run('container', dict(same, labels={'dockerapi.test': prefix}))['changed'] is False
        strict = run('container', dict(same, labels={'dockerapi.test': prefix}, comparisons={'labels': 'strict'}), check=True)
        assert _changes_of(strict).get('labels') == ['recreated'], strict
        # A float label value (YAML 1.10) would be stored as "1.1": refused, with a hint to quote it.
        floating = run('container', dict(same, labels={'dockerapi.test': prefix, 'version': 1.10}))
        assert floating['failed'] and 'quote' in floating['msg'].lower(), floating
        # pull: true is docker_container's "always"; a local-only image cannot be pulled, but pull: false (missing) works.
        assert run('container', dict(same, pull=False))['changed'] is False
        always = run('container', dict(same, pull=True), check=True)
        assert always['failed'] or not always['changed'], always
        assert docker_cli(daemon, 'inspect', '--format', '{{.Id}}', prefix + '-c').stdout.strip() == first['container']['Id']
    finally:
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_keep_volumes(daemon_name: str) -> None:
    """keep_volumes (default true) keeps a removed container's anonymous volumes; false removes them with it."""
    daemon = harness()['daemons'][daemon_name]
    prefix = _prefix('keepvol-' + daemon_name)
    args = dict(daemon_connection(daemon), name=prefix + '-c', image=harness()['test_image'], labels={'dockerapi.test': prefix},
                volumes=['/anon'], **SLEEP)
    volumes: list[str] = []
    try:
        for keep in (True, False):
            created = run('container', args)
            assert not created['failed'], created
            volume = [m['Name'] for m in created['container']['Mounts'] if m.get('Destination') == '/anon'][0]
            volumes.append(volume)
            removed = run('container', dict(args, state='absent', keep_volumes=keep))
            assert not removed['failed'] and removed['changed'], removed
            there = docker_cli(daemon, 'volume', 'inspect', volume, check=False).returncode == 0
            assert there is keep, (keep, volume)
    finally:
        _cleanup(daemon, prefix)
        for volume in volumes:
            docker_cli(daemon, 'volume', 'rm', '-f', volume, check=False)
