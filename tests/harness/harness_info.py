"""Read the test harness description (harness.json) from Python tests. Standard library only.

    import sys; sys.path.insert(0, 'tests/harness')
    from harness_info import load, daemon
    info = load()                      # the whole harness.json
    d28 = daemon('d28')                # one daemon's entry, or a clear error if it is not up
"""

import json
import os

DEFAULT_DIR = '/var/tmp/dockerapi-harness'


def state_dir():
    """The harness state directory: $DOCKERAPI_HARNESS_DIR, else the default."""
    return os.path.abspath(os.environ.get('DOCKERAPI_HARNESS_DIR') or DEFAULT_DIR)


def path():
    return os.path.join(state_dir(), 'harness.json')


def load():
    """harness.json as a dict; FileNotFoundError with a hint if the harness never ran."""
    p = path()
    try:
        with open(p) as f:
            return json.load(f)
    except FileNotFoundError:
        raise FileNotFoundError('%s not found: run `tests/harness/harness up` (as root) first' % p)


def daemon(name):
    """One daemon's entry (docker_host, version, api_version, ...); LookupError if it is not up."""
    info = load()
    try:
        return info['daemons'][name]
    except KeyError:
        raise LookupError('harness daemon %r is not up (up: %s); run `tests/harness/harness up %s`'
                          % (name, ', '.join(info.get('daemons') or {}) or 'none', name))
