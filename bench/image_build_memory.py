# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Peak memory and wall time of dockerapi.engine.image_build against `docker build` (classic builder).

The module runs as a real module process (``python -m ...plugins.modules.image_build args.json``,
what AnsiballZ runs after unpacking), and its peak RSS is read from ``wait4()``'s ``ru_maxrss`` of
that process alone; the docker CLI is measured the same way. Contexts of about 10 MB and 1 GB are
made in a temporary directory (random data for part of it, sparse files for the rest, so making
them is quick and the disk holds only the random part) and deleted afterwards.

    python3 bench/image_build_memory.py                     # d20 of the harness, 10 MB and 1 GB
    python3 bench/image_build_memory.py --daemon d28 --sizes 10,200,1024
    DOCKER_HOST=unix:///var/run/docker.sock python3 bench/image_build_memory.py --image busybox:latest

Prints a table and writes it as JSON under bench/results/ (git-ignored; $DOCKERAPI_BENCH_RESULTS
overrides the directory, as bench/run sets it). There is no pass/fail on absolute numbers: what
matters is that the module's peak RSS does not grow with the context.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MB = 1024 * 1024
RANDOM_SHARE = 0.25  # of each context, the rest is sparse (zeros)


def collections_root() -> str:
    """A directory holding ansible_collections/dockerapi/engine -> this source tree."""
    base = os.path.join(tempfile.gettempdir(), 'dockerapi-engine-bench-%d' % os.getuid())
    link = os.path.join(base, 'ansible_collections', 'dockerapi', 'engine')
    os.makedirs(os.path.dirname(link), exist_ok=True)
    if os.path.realpath(link) != ROOT:
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(ROOT, link)
    return base


def make_context(directory: str, size_mb: int, image: str, random_share: float = RANDOM_SHARE) -> int:
    """A context of about ``size_mb`` MiB: a Dockerfile, random files and sparse files; returns its bytes."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, 'Dockerfile'), 'w') as handle:
        # The build does not copy the context: the daemon still has to receive and unpack all of it.
        handle.write('FROM %s\nLABEL bench.context.mb=%d\n' % (image, size_mb))
    total = size_mb * MB
    random_bytes = int(total * random_share)
    written = 0
    index = 0
    piece = 64 * MB
    while written < random_bytes:
        size = min(piece, random_bytes - written)
        with open(os.path.join(directory, 'random-%03d.bin' % index), 'wb') as handle:
            left = size
            while left > 0:
                chunk = min(4 * MB, left)
                handle.write(os.urandom(chunk))
                left -= chunk
        written += size
        index += 1
    subdir = os.path.join(directory, 'sub')
    os.makedirs(subdir, exist_ok=True)
    index = 0
    while written < total:
        size = min(piece, total - written)
        # Every other sparse file one level down, so the walk has more than one directory.
        parent = subdir if index % 2 else directory
        with open(os.path.join(parent, 'sparse-%03d.bin' % index), 'wb') as handle:
            handle.truncate(size)
        written += size
        index += 1
    return written


def _measure(cmd: list[str], env: dict[str, str]) -> tuple[int, float, int, str, str]:
    """Run ``cmd``; return (peak RSS in KiB of that process, seconds, exit status, stdout, stderr)."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status) if hasattr(os, 'waitstatus_to_exitcode') else status
        seconds = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return usage.ru_maxrss, seconds, proc.returncode, out.read().decode('utf-8', 'replace'), \
            err.read().decode('utf-8', 'replace')


def run_module_measured(args: t.Mapping[str, t.Any], environ: t.Mapping[str, str] | None = None,
                        python: str = sys.executable) -> tuple[int, float, dict[str, t.Any]]:
    """Run the image_build module process on ``args``; return (peak RSS KiB, seconds, result)."""
    env = dict(os.environ if environ is None else environ)
    env['PYTHONPATH'] = collections_root()
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': dict(args)}, handle)
        args_file = handle.name
    try:
        rss, seconds, status, stdout, stderr = _measure(
            [python, '-m', 'ansible_collections.dockerapi.engine.plugins.modules.image_build', args_file], env)
    finally:
        os.unlink(args_file)
    try:
        result = json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError('the module printed no JSON (exit %s):\n%s\n%s' % (status, stdout[-2000:], stderr[-2000:]))
    return rss, seconds, result


def run_cli_measured(context: str, tag: str, docker_host: str) -> tuple[int, float]:
    env = dict(os.environ)
    env.update(DOCKER_HOST=docker_host, DOCKER_BUILDKIT='0')
    rss, seconds, status, stdout, stderr = _measure(['docker', 'build', '-q', '-t', tag, context], env)
    if status != 0:
        raise RuntimeError('docker build failed (%s): %s %s' % (status, stdout[-2000:], stderr[-2000:]))
    return rss, seconds


def free_disk_mb(path: str) -> int:
    usage = shutil.disk_usage(path)
    return usage.free // MB


def _harness_daemon(name: str) -> tuple[str, str]:
    sys.path.insert(0, os.path.join(ROOT, 'tests', 'harness'))
    from harness_info import load  # noqa: E402  (stdlib-only helper of the harness)
    info = load()
    daemon = info['daemons'][name]
    return daemon.get('unix_host') or daemon['docker_host'], info['test_image']


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--daemon', default='d20', help='harness daemon (ignored when DOCKER_HOST is set)')
    parser.add_argument('--image', help='base image present on the daemon (default: the harness test image)')
    parser.add_argument('--sizes', default='10,1024', help='context sizes in MiB, comma-separated')
    parser.add_argument('--workdir', default=tempfile.gettempdir(), help='where the contexts are made')
    parser.add_argument('--rounds', type=int, default=3, help='runs of each tool per size (alternating)')
    options = parser.parse_args(argv)

    if os.environ.get('DOCKER_HOST'):
        docker_host, image = os.environ['DOCKER_HOST'], options.image or 'busybox:latest'
        where = docker_host
    else:
        docker_host, image = _harness_daemon(options.daemon)
        image = options.image or image
        where = 'harness %s (%s)' % (options.daemon, docker_host)
    sizes = [int(s) for s in options.sizes.split(',') if s.strip()]
    need = int(max(sizes) * RANDOM_SHARE) + 64
    if free_disk_mb(options.workdir) < need * 2 + max(sizes):  # the daemon also unpacks the context
        print('Not enough free disk in %s for a %d MiB context; free some or pass --workdir.'
              % (options.workdir, max(sizes)))
        return 2

    rows: list[dict[str, t.Any]] = []
    tag_base = 'dockerapi-bench-build-%d' % os.getpid()
    for size in sizes:
        directory = tempfile.mkdtemp(prefix='dockerapi-bench-ctx-', dir=options.workdir)
        try:
            made = make_context(directory, size, image)
            os.sync()  # do not let the writeback of the new files slow down whichever tool runs first
            tag = '%s:%d' % (tag_base, size)
            module_runs: list[tuple[int, float]] = []
            cli_runs: list[tuple[int, float]] = []
            sent = 0
            for _round in range(options.rounds):
                rss, seconds, result = run_module_measured({'path': directory, 'name': tag,
                                                            'docker_host': docker_host})
                if result.get('failed'):
                    raise RuntimeError('image_build failed: %s' % result.get('msg'))
                sent = result['context']['bytes_sent']
                module_runs.append((rss, seconds))
                cli_runs.append(run_cli_measured(directory, tag + '-cli', docker_host))
            rows.append({'context_mb': round(made / MB), 'bytes_sent': sent, 'rounds': options.rounds,
                         'module_peak_rss_mb': round(max(r for r, _s in module_runs) / 1024, 1),
                         'module_seconds': round(statistics.median(s for _r, s in module_runs), 2),
                         'cli_peak_rss_mb': round(max(r for r, _s in cli_runs) / 1024, 1),
                         'cli_seconds': round(statistics.median(s for _r, s in cli_runs), 2)})
        finally:
            shutil.rmtree(directory, ignore_errors=True)
            subprocess.run(['docker', 'image', 'rm', '-f', '%s:%d' % (tag_base, size), '%s:%d-cli' % (tag_base, size)],
                           env=dict(os.environ, DOCKER_HOST=docker_host), capture_output=True, check=False)

    print('image_build vs DOCKER_BUILDKIT=0 docker build on %s (base image %s)' % (where, image))
    print('peak RSS: the highest of %d runs; seconds: the median (wall time, build included)' % options.rounds)
    print('%10s | %12s | %14s | %10s | %14s | %10s' % ('context', 'sent (MiB)', 'module peak RSS', 'module s',
                                                       'CLI peak RSS', 'CLI s'))
    for row in rows:
        print('%7d MiB | %12.1f | %11.1f MiB | %10.2f | %10.1f MiB | %10.2f'
              % (row['context_mb'], row['bytes_sent'] / MB, row['module_peak_rss_mb'], row['module_seconds'],
                 row['cli_peak_rss_mb'], row['cli_seconds']))
    results_dir = os.environ.get('DOCKERAPI_BENCH_RESULTS') or os.path.join(ROOT, 'bench', 'results')
    os.makedirs(results_dir, exist_ok=True)
    out = os.path.join(results_dir, 'image_build_memory-%s.json' % time.strftime('%Y%m%d-%H%M%S'))
    with open(out, 'w') as handle:
        json.dump({'daemon': where, 'image': image, 'rows': rows}, handle, indent=2)
    print('written to %s' % out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
