# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Add the DOCKER_* variables our modules read to the docs site's environment-variable index.

antsibull-docs builds that index (environment_variables.rst) from the ``env:`` entries of plugin
options: it lists the variables of our connection and inventory plugins (ANSIBLE_DOCKER_TIMEOUT,
ANSIBLE_INVENTORY_CACHE, ...; ansible-core's own variables, such as ANSIBLE_TIMEOUT, it leaves to
the Ansible docs, see offline_inventory.py). But ansible-test's validate-modules does not allow
``env:`` in a *module*'s options (only in other plugin types), and our modules read the DOCKER_*
variables themselves (docker CLI rules, see plugins/module_utils/_connection.py); so do the
plugins, as defaults of their connection options, not through ``env:``. So the variables are defined
with ``.. envvar::`` in docs/docsite/rst/guide_connection.rst (listed in docs/docsite/config.yml
``envvar_directives``), and this script adds the index entries antsibull-docs would write, in
alphabetical order among its own: used by every module that takes the shared connection options
(plugins/doc_fragments/connection.py) and every other plugin whose documentation names the
variable with ``E(...)``.

    envvar_index.py COLLECTION_ROOT RST_DIR
"""

from __future__ import annotations

import os
import re
import sys

import yaml

EMPTY = 'No environment variables have been defined.'
FRAGMENT = 'dockerapi.engine.connection'
ENTRY = re.compile(r'^\.\. envvar:: (\S+)\s*$', re.MULTILINE)
# plugin folders whose plugins antsibull-docs documents (not modules: they get the doc fragment)
PLUGIN_TYPES = ('become', 'cache', 'callback', 'cliconf', 'connection', 'filter', 'httpapi', 'inventory',
                'lookup', 'netconf', 'shell', 'strategy', 'test', 'vars')


def _plugin_files(root: str, plugin_type: str) -> list[tuple[str, str]]:
    folder = os.path.join(root, 'plugins', plugin_type)
    if not os.path.isdir(folder):
        return []
    found = []
    for name in sorted(os.listdir(folder)):
        if name.endswith('.py') and not name.startswith('_'):
            with open(os.path.join(folder, name), encoding='utf-8') as handle:
                found.append((name[:-3], handle.read()))
    return found


def connection_modules(root: str) -> list[str]:
    return [name for name, text in _plugin_files(root, 'modules')
            if re.search(r'^\s*-\s*%s\s*$' % re.escape(FRAGMENT), text, re.MULTILINE)]


def plugins_naming(root: str, variable: str) -> list[tuple[str, str]]:
    """(name, type) of the non-module plugins whose documentation mentions E(variable)."""
    return [(name, plugin_type) for plugin_type in PLUGIN_TYPES for name, text in _plugin_files(root, plugin_type)
            if 'E(%s)' % variable in text]


def used_by(root: str, variable: str, modules: list[str]) -> str:
    refs = ['    :ansplugin:`dockerapi.engine.%s module <dockerapi.engine.%s#module>`' % (name, name) for name in modules]
    refs.extend('    :ansplugin:`dockerapi.engine.%s %s plugin <dockerapi.engine.%s#%s>`' % (name, plugin_type, name, plugin_type)
                for name, plugin_type in plugins_naming(root, variable))
    return ',\n'.join(refs)


def entry(root: str, variable: str, modules: list[str]) -> str:
    return ('.. envvar:: %s\n   :no-index:\n\n'
            '    Read by the modules and plugins of dockerapi.engine; see :envvar:`%s` in\n'
            '    :ref:`ansible_collections.dockerapi.engine.docsite.guide_connection`.\n\n'
            '    *Used by:*\n%s\n' % (variable, variable, used_by(root, variable, modules)))


def main(argv: list[str]) -> int:
    root, rst_dir = argv
    with open(os.path.join(root, 'docs', 'docsite', 'config.yml'), encoding='utf-8') as handle:
        variables = yaml.safe_load(handle)['envvar_directives']
    path = os.path.join(rst_dir, 'environment_variables.rst')
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    modules = connection_modules(root)
    ours = {variable: entry(root, variable, modules) for variable in variables}
    if EMPTY in text:
        # no plugin declares env: entries
        text = text.replace(EMPTY, '\n'.join(ours[variable] for variable in sorted(ours)))
    else:
        matches = list(ENTRY.finditer(text))
        if not matches:
            raise SystemExit('%s: neither %r nor `.. envvar::` entries; has antsibull-docs changed its template?' % (path, EMPTY))
        head, blocks = text[:matches[0].start()], {}
        for match, following in zip(matches, matches[1:] + [None]):
            blocks[match.group(1)] = text[match.start():following.start() if following else len(text)]
        twice = sorted(set(blocks) & set(ours))
        if twice:
            raise SystemExit('%s: antsibull-docs lists %s itself (an env: entry of a plugin option); remove it from '
                             'envvar_directives in docs/docsite/config.yml and the `.. envvar::` in guide_connection.rst, '
                             'or drop the env: entry' % (path, ', '.join(twice)))
        blocks.update(ours)
        parts = [blocks[name] if blocks[name].endswith('\n') else blocks[name] + '\n' for name in sorted(blocks)]
        text = head + ''.join(parts)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
