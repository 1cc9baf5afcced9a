# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fill the docs site's environment-variable index with the DOCKER_* variables our modules read.

antsibull-docs builds that index (environment_variables.rst) from the ``env:`` entries of plugin
options, but ansible-test's validate-modules does not allow ``env:`` in a *module*'s options (only in
other plugin types), and our modules read the variables themselves (docker CLI rules, see
plugins/module_utils/_connection.py). So the variables are defined with ``.. envvar::`` in
docs/docsite/rst/guide_connection.rst (listed in docs/docsite/config.yml ``envvar_directives``), and
this script writes the index entries antsibull-docs would write, for every module that takes the
shared connection options (plugins/doc_fragments/connection.py).

    envvar_index.py COLLECTION_ROOT RST_DIR
"""

from __future__ import annotations

import os
import re
import sys

import yaml

EMPTY = 'No environment variables have been defined.'
FRAGMENT = 'dockerapi.engine.connection'


def connection_modules(root: str) -> list[str]:
    modules = []
    folder = os.path.join(root, 'plugins', 'modules')
    for name in sorted(os.listdir(folder)):
        if name.endswith('.py') and not name.startswith('_'):
            with open(os.path.join(folder, name), encoding='utf-8') as handle:
                if re.search(r'^\s*-\s*%s\s*$' % re.escape(FRAGMENT), handle.read(), re.MULTILINE):
                    modules.append(name[:-3])
    return modules


def main(argv: list[str]) -> int:
    root, rst_dir = argv
    with open(os.path.join(root, 'docs', 'docsite', 'config.yml'), encoding='utf-8') as handle:
        variables = yaml.safe_load(handle)['envvar_directives']
    path = os.path.join(rst_dir, 'environment_variables.rst')
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    if EMPTY not in text:
        raise SystemExit('%s: antsibull-docs listed environment variables itself; this script is no longer needed' % path)
    used_by = ',\n'.join('    :ansplugin:`dockerapi.engine.%s module <dockerapi.engine.%s#module>`' % (name, name)
                         for name in connection_modules(root))
    entries = []
    for variable in variables:
        entries.append(
            '.. envvar:: %s\n   :no-index:\n\n'
            '    Read by the modules of dockerapi.engine; see :envvar:`%s` in\n'
            '    :ref:`ansible_collections.dockerapi.engine.docsite.guide_connection`.\n\n'
            '    *Used by:*\n%s\n' % (variable, variable, used_by))
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text.replace(EMPTY, '\n'.join(entries)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
