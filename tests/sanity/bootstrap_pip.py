"""Stand-in for the pip bootstrap script ansible-test downloads (its host is not reachable here).

ansible-test runs it as ``python get_pip.py --disable-pip-version-check --no-setuptools
--no-wheel pip==X`` inside each venv it creates. We bootstrap pip from the standard
library's ensurepip and then let pip install the requested version from the configured
package index, trusting the system CA bundle (ansible-test's venvs ignore pip.conf).
"""

import ensurepip
import os
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
env = dict(os.environ)
bundle = '/etc/ssl/certs/ca-certificates.crt'
if os.path.exists(bundle):
    env.setdefault('PIP_CERT', bundle)
if args:
    sys.exit(subprocess.call([sys.executable, '-m', 'pip', 'install'] + args, env=env))
