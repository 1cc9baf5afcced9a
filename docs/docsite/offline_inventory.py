# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the offline stand-in for the Ansible docs' intersphinx inventory.

The docs site is built without network access, so Sphinx cannot download the Ansible
documentation's objects.inv. This writes a small inventory of exactly the labels our pages
point at: a few fixed ones of the Ansible docs that antsibull-docs' templates use, plus one entry
per module of another collection that our documentation mentions with M(...). Each resolves to its
page on the published Ansible docs. Environment variables of ansible-core's configuration that our
pages reference with :envvar: (antsibull-docs writes those for plugin options with ``env:`` entries
such as ANSIBLE_TIMEOUT or ANSIBLE_CACHE_PLUGIN, and leaves them out of our own index) resolve to
their entries in the Ansible configuration settings page, as on the published docs. A label or
variable that is in none of these lists still fails the build (the site is built nitpicky, with
warnings as errors).

    offline_inventory.py RST_DIR OUTPUT_FILE    write the inventory
    offline_inventory.py --patch-conf CONF_PY   point the conf.py of antsibull-docs sphinx-init at it
"""

from __future__ import annotations

import os
import re
import sys
import zlib

import ansible  # ansible-core of the docs venv (build-site.sh runs this with it)
import yaml

# label -> (page, title) in the Ansible docs
FIXED_LABELS = {
    'action_plugins': ('plugins/action.html#action-plugins', 'Action plugins'),
    'common_return_values': ('reference_appendices/common_return_values.html#common-return-values', 'Return Values'),
    'ansible_configuration_settings': ('reference_appendices/config.html#ansible-configuration-settings',
                                       'Ansible Configuration Settings'),
}
OUR_PREFIX = 'ansible_collections.dockerapi.engine.'
PLUGIN_LABEL = re.compile(r'ansible_collections\.([a-z0-9_]+)\.([a-z0-9_]+)\.([a-z0-9_]+)_(module|filter|lookup|test|role)\b')


def referenced_plugins(rst_dir: str) -> set[tuple[str, str, str, str]]:
    found = set()
    for folder, _dirs, files in os.walk(rst_dir):
        for name in files:
            if name.endswith('.rst'):
                with open(os.path.join(folder, name), encoding='utf-8') as handle:
                    for match in PLUGIN_LABEL.finditer(handle.read()):
                        if not match.group(0).startswith(OUR_PREFIX):
                            found.add(match.groups())
    return found


ENVVAR_REF = re.compile(r':envvar:`(?:[^`<]*<)?([^`<>]+?)>?`')
ENVVAR_DEFINITION = re.compile(r'^\s*\.\. envvar:: (\S+)\s*$', re.MULTILINE)
CORE_CONFIG_PAGE = 'reference_appendices/config.html'


def _rst_texts(rst_dir: str) -> list[str]:
    texts = []
    for folder, _dirs, files in os.walk(rst_dir):
        for name in sorted(files):
            if name.endswith('.rst'):
                with open(os.path.join(folder, name), encoding='utf-8') as handle:
                    texts.append(handle.read())
    return texts


def core_envvars() -> set[str]:
    """The environment variables of ansible-core's configuration (lib/ansible/config/base.yml), as antsibull-docs takes them."""
    with open(os.path.join(os.path.dirname(ansible.__file__), 'config', 'base.yml'), encoding='utf-8') as handle:
        config = yaml.safe_load(handle)
    names = {'ANSIBLE_CONFIG'}
    for setting in config.values():
        for env in (setting or {}).get('env') or []:
            names.add(env['name'])
    return names


def referenced_core_envvars(rst_dir: str) -> set[str]:
    """ansible-core configuration variables our pages reference with :envvar: and do not define themselves."""
    referenced, defined = set(), set()
    for text in _rst_texts(rst_dir):
        referenced.update(match.group(1).replace('\\', '').strip() for match in ENVVAR_REF.finditer(text))
        defined.update(ENVVAR_DEFINITION.findall(text))
    return (referenced - defined) & core_envvars()


ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/devel/'
# relative to the Sphinx source directory (rst/, beside conf.py)
INVENTORY_FILE = '../ansible_devel.inv'


def patch_conf(path: str) -> None:
    """Replace the generated intersphinx_mapping (which downloads inventories) by the local stand-in."""
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    mapping = 'intersphinx_mapping = {\n    %r: (%r, %r),\n}\n' % ('ansible_devel', ANSIBLE_DOCS, INVENTORY_FILE)
    text, count = re.subn(r'(?ms)^intersphinx_mapping = \{.*?^\}\n', lambda _match: mapping, text)
    if count != 1:
        raise SystemExit('%s: no intersphinx_mapping found; has antsibull-docs changed its conf.py template?' % path)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)


def main(argv: list[str]) -> int:
    if argv[:1] == ['--patch-conf']:
        patch_conf(argv[1])
        return 0
    rst_dir, output = argv
    lines = []
    for label, (page, title) in sorted(FIXED_LABELS.items()):
        lines.append('%s std:label -1 %s %s' % (label, page, title))
    for namespace, collection, plugin, kind in sorted(referenced_plugins(rst_dir)):
        label = 'ansible_collections.%s.%s.%s_%s' % (namespace, collection, plugin, kind)
        page = 'collections/%s/%s/%s_%s.html' % (namespace, collection, plugin, kind)
        lines.append('%s std:label -1 %s %s.%s.%s %s' % (label, page, namespace, collection, plugin, kind))
    for variable in sorted(referenced_core_envvars(rst_dir)):
        # Sphinx's anchor of `.. envvar:: NAME` is envvar-NAME
        lines.append('%s std:envvar 1 %s#envvar-%s -' % (variable, CORE_CONFIG_PAGE, variable))
    header = ('# Sphinx inventory version 2\n# Project: Ansible (offline stand-in)\n# Version: devel\n'
              '# The remainder of this file is compressed using zlib.\n')
    with open(output, 'wb') as handle:
        handle.write(header.encode('utf-8'))
        handle.write(zlib.compress(('\n'.join(lines) + '\n').encode('utf-8')))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
