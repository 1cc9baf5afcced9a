# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Peak memory and wall time of dockerapi.engine.image_export / image_load against `docker save` / `docker load`.

As bench/image_build_memory.py does for image_build: each module runs as a real module process
(``python -m ...plugins.modules.image_export args.json``, what AnsiballZ runs after unpacking) and its
peak RSS is ``wait4()``'s ``ru_maxrss`` of that process alone; the docker CLI is measured the same way.

The image is made with ``docker import`` from a tar holding one file of random data (so nothing
compresses it away), labelled ``dockerapi.bench.archive=<pid>``; it and every archive written are removed
afterwards.

    python3 bench/image_archive_memory.py                    # d28 of the harness, 10 MiB and 1 GiB images
    python3 bench/image_archive_memory.py --daemon d20 --sizes 10,200 --rounds 3

Prints a table and writes it as JSON under bench/results/ (git-ignored; $DOCKERAPI_BENCH_RESULTS
overrides the directory). What matters is that the modules' peak RSS does not grow with the image.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import typing as t

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from image_build_memory import MB, ROOT, _harness_daemon, _measure, collections_root, free_disk_mb  # noqa: E402

LABEL = 'dockerapi.bench.archive'


class _Random:
    """A file-like object of ``size`` random bytes (for tarfile.addfile)."""

    def __init__(self, size: int) -> None:
        self.left = size

    def read(self, size: int = -1) -> bytes:
        size = self.left if size < 0 else min(size, self.left)
        self.left -= size
        return os.urandom(size)


def make_image(tag: str, size_mb: int, docker_host: str) -> None:
    """``docker import`` of a tar with one random file of ``size_mb`` MiB, streamed (nothing on disk)."""
    env = dict(os.environ, DOCKER_HOST=docker_host)
    proc = subprocess.Popen(['docker', 'import', '--change', 'LABEL %s=%d' % (LABEL, os.getpid()), '-', tag],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env)
    if proc.stdin is None:
        raise RuntimeError('docker import has no stdin')
    with tarfile.open(fileobj=proc.stdin, mode='w|') as archive:
        info = tarfile.TarInfo('random.bin')
        info.size = size_mb * MB
        archive.addfile(info, _Random(info.size))
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError('docker import failed (%s)' % proc.returncode)


def run_module_measured(module: str, args: t.Mapping[str, t.Any]) -> tuple[int, float, dict[str, t.Any]]:
    env = dict(os.environ)
    env['PYTHONPATH'] = collections_root()
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': dict(args)}, handle)
        args_file = handle.name
    try:
        rss, seconds, status, stdout, stderr = _measure(
            [sys.executable, '-m', 'ansible_collections.dockerapi.engine.plugins.modules.' + module, args_file], env)
    finally:
        os.unlink(args_file)
    try:
        result = json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise RuntimeError('%s printed no JSON (exit %s):\n%s\n%s' % (module, status, stdout[-2000:], stderr[-2000:]))
    if result.get('failed'):
        raise RuntimeError('%s failed: %s' % (module, result.get('msg')))
    return rss, seconds, result


def run_cli_measured(docker_host: str, *args: str) -> tuple[int, float]:
    rss, seconds, status, stdout, stderr = _measure(['docker'] + list(args), dict(os.environ, DOCKER_HOST=docker_host))
    if status != 0:
        raise RuntimeError('docker %s failed (%s): %s %s' % (args[0], status, stdout[-2000:], stderr[-2000:]))
    return rss, seconds


def _rmi(docker_host: str, *names: str) -> None:
    subprocess.run(['docker', 'image', 'rm', '-f'] + list(names), env=dict(os.environ, DOCKER_HOST=docker_host),
                   capture_output=True, check=False)


def _cleanup_label(docker_host: str) -> None:
    env = dict(os.environ, DOCKER_HOST=docker_host)
    ids = subprocess.run(['docker', 'images', '-q', '--filter', 'label=%s=%d' % (LABEL, os.getpid())], env=env,
                         capture_output=True, text=True, check=False).stdout.split()
    if ids:
        subprocess.run(['docker', 'image', 'rm', '-f'] + sorted(set(ids)), env=env, capture_output=True, check=False)


def _summary(runs: list[tuple[int, float]]) -> tuple[float, float]:
    return round(max(r for r, _s in runs) / 1024, 1), round(statistics.median(s for _r, s in runs), 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--daemon', default='d28', help='harness daemon (ignored when DOCKER_HOST is set)')
    parser.add_argument('--sizes', default='10,1024', help='image sizes in MiB, comma-separated')
    parser.add_argument('--workdir', default=tempfile.gettempdir(), help='where the archives are written')
    parser.add_argument('--rounds', type=int, default=2, help='runs of each tool per size and direction')
    options = parser.parse_args(argv)

    if os.environ.get('DOCKER_HOST'):
        docker_host = where = os.environ['DOCKER_HOST']
    else:
        docker_host = _harness_daemon(options.daemon)[0]
        where = 'harness %s (%s)' % (options.daemon, docker_host)
    sizes = [int(s) for s in options.sizes.split(',') if s.strip()]
    if free_disk_mb(options.workdir) < max(sizes) * 4 + 256:  # two archives, the image and a loaded copy
        print('Not enough free disk in %s for a %d MiB image; free some or pass --workdir.' % (options.workdir, max(sizes)))
        return 2

    rows: list[dict[str, t.Any]] = []
    for size in sizes:
        tag = 'dockerapi-bench-archive-%d:%d' % (os.getpid(), size)
        directory = tempfile.mkdtemp(prefix='dockerapi-bench-archive-', dir=options.workdir)
        ours, theirs = os.path.join(directory, 'module.tar'), os.path.join(directory, 'cli.tar')
        try:
            make_image(tag, size, docker_host)
            runs: dict[str, list[tuple[int, float]]] = {'export': [], 'save': [], 'load': [], 'cli_load': []}
            archive_bytes = 0
            for _round in range(options.rounds):
                rss, seconds, _result = run_module_measured('image_export', {'names': [tag], 'path': ours, 'force': True,
                                                                             'docker_host': docker_host})
                runs['export'].append((rss, seconds))
                archive_bytes = os.path.getsize(ours)
                runs['save'].append(run_cli_measured(docker_host, 'save', '-o', theirs, tag))
            for _round in range(options.rounds):
                # a real load each time: the image is removed first, so the daemon unpacks every layer
                _rmi(docker_host, tag)
                rss, seconds, result = run_module_measured('image_load', {'path': ours, 'docker_host': docker_host})
                if tag not in result['image_names']:
                    raise RuntimeError('image_load did not report %s: %s' % (tag, result['image_names']))
                runs['load'].append((rss, seconds))
                _rmi(docker_host, tag)
                runs['cli_load'].append(run_cli_measured(docker_host, 'load', '-q', '-i', theirs))
            row: dict[str, t.Any] = {'image_mb': size, 'archive_mb': round(archive_bytes / MB, 1), 'rounds': options.rounds}
            for key, runs_of in runs.items():
                row[key + '_peak_rss_mb'], row[key + '_seconds'] = _summary(runs_of)
            rows.append(row)
        finally:
            shutil.rmtree(directory, ignore_errors=True)
            _rmi(docker_host, tag)
            _cleanup_label(docker_host)

    print('image_export / image_load vs docker save / docker load on %s' % where)
    print('peak RSS: the highest of %d runs; seconds: the median (wall time)' % options.rounds)
    headings = ('image', 'archive', 'image_export', 'docker save', 'image_load', 'docker load')
    print('%9s | %10s | %21s | %21s | %21s | %21s' % headings)
    for row in rows:
        cells = ['%7.1f MiB %7.2f s' % (row[key + '_peak_rss_mb'], row[key + '_seconds'])
                 for key in ('export', 'save', 'load', 'cli_load')]
        print('%5d MiB | %6.1f MiB | %s' % (row['image_mb'], row['archive_mb'], ' | '.join(cells)))
    results_dir = os.environ.get('DOCKERAPI_BENCH_RESULTS') or os.path.join(ROOT, 'bench', 'results')
    os.makedirs(results_dir, exist_ok=True)
    out = os.path.join(results_dir, 'image_archive_memory-%s.json' % time.strftime('%Y%m%d-%H%M%S'))
    with open(out, 'w') as handle:
        json.dump({'daemon': where, 'rows': rows}, handle, indent=2)
    print('written to %s' % out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
