# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Volumes: /volumes, /volumes/create, /volumes/{name}.

The daemon's volume create is idempotent by name and silently ignores differing driver
options and labels, so the comparison happens here and ``recreate`` decides what to do
about a difference.
"""

from __future__ import annotations

import re
import typing as t
import uuid

from ._client import EngineClient, quote_path
from ._compare import map_differences, string_map, value_difference
from ._errors import APIError, Conflict, ConfigurationError, EngineError, NotFound

RECREATE_CHOICES = ('never', 'options-changed', 'always')
# The local driver's rule for names (other drivers may be stricter or looser).
_LOCAL_NAME_RE = re.compile(r'^[a-zA-Z0-9][a-zA-Z0-9_.-]+$')


# ---- reading ----------------------------------------------------------------------------


def inspect_volume(client: EngineClient, name: str) -> dict[str, t.Any] | None:
    try:
        return client.get_json('/volumes/%s' % quote_path(name))
    except NotFound:
        return None


def list_volumes(client: EngineClient, filters: t.Any = None) -> tuple[list[dict[str, t.Any]], list[str]]:
    answer = client.get_json('/volumes', {'filters': filters}) or {}
    return answer.get('Volumes') or [], [str(w) for w in answer.get('Warnings') or []]


def containers_using(client: EngineClient, name: str) -> list[str]:
    found = client.get_json('/containers/json', {'all': True, 'filters': {'volume': [name]}}) or []
    return ['%s (%s)' % ((c.get('Names') or ['?'])[0].lstrip('/'), c.get('State', '?')) for c in found]


# ---- desired state ----------------------------------------------------------------------


class VolumeSpec(t.NamedTuple):
    name: str
    driver: str | None
    driver_options: dict[str, str] | None
    labels: dict[str, str] | None

    def body(self) -> dict[str, t.Any]:
        body: dict[str, t.Any] = {'Name': self.name}
        if self.driver:
            body['Driver'] = self.driver
        if self.driver_options:
            body['DriverOpts'] = self.driver_options
        if self.labels:
            body['Labels'] = self.labels
        return body


def volume_name(params: t.Mapping[str, t.Any]) -> str:
    """The option is volume_name (community.docker's name), with name as its alias."""
    return str(params.get('volume_name') or params.get('name') or '')


def volume_spec(params: t.Mapping[str, t.Any]) -> VolumeSpec:
    name = volume_name(params)
    driver = params.get('driver') or None
    if (driver in (None, 'local')) and not _LOCAL_NAME_RE.match(name):
        raise ConfigurationError(
            'Volume name %r is not valid for the local driver: use at least two characters, starting with a letter '
            'or digit, then letters, digits, "_", "." or "-".' % name)
    return VolumeSpec(name, driver, string_map(params.get('driver_options'), 'driver_options'),
                      string_map(params.get('labels'), 'labels'))


def volume_differences(spec: VolumeSpec, volume: t.Mapping[str, t.Any]) -> list[str]:
    """How ``volume`` differs from ``spec``, as sentences."""
    return [text for _path, text in difference_items(spec, volume)]


def difference_items(spec: VolumeSpec, volume: t.Mapping[str, t.Any]) -> list[tuple[str, str]]:
    """(option path as docker_volume's ``diff.differences`` names it, sentence) for every difference."""
    out = [('driver', text) for text in value_difference('driver', spec.driver, volume.get('Driver'))]
    for option, wanted, actual in (('driver_options', spec.driver_options, volume.get('Options')),
                                   ('labels', spec.labels, volume.get('Labels'))):
        out.extend(('%s.%s' % (option, key), text) for key in sorted(wanted or {})
                   for text in map_differences(option, {key: (wanted or {})[key]}, actual))
    return out


def describe(name: str, volume: t.Mapping[str, t.Any] | None) -> dict[str, t.Any]:
    """The part of a volume the module manages, for diff mode."""
    if volume is None:
        return {'name': name, 'state': 'absent'}
    return {'name': name, 'state': 'present', 'driver': volume.get('Driver'),
            'driver_options': dict(volume.get('Options') or {}), 'labels': dict(volume.get('Labels') or {})}


def predicted(spec: VolumeSpec) -> dict[str, t.Any]:
    return {'name': spec.name, 'state': 'present', 'driver': spec.driver or 'local',
            'driver_options': dict(spec.driver_options or {}), 'labels': dict(spec.labels or {})}


# ---- writing ----------------------------------------------------------------------------


def remove_volume(client: EngineClient, name: str, why: str) -> None:
    try:
        client.delete('/volumes/%s' % quote_path(name))
    except Conflict as exc:
        users = containers_using(client, name)
        raise Conflict(exc.status, exc.message, exc.method, exc.path, msg=(
            'Cannot %s volume %s: it is in use by %s. Remove those containers (or their use of the volume) first. '
            'The daemon said: %s' % (why, name, ', '.join(users) or 'a container', exc.message)))


def create_volume(client: EngineClient, spec: VolumeSpec) -> dict[str, t.Any]:
    try:
        return client.post_json('/volumes/create', None, spec.body())
    except Conflict as exc:
        raise Conflict(exc.status, exc.message, exc.method, exc.path, msg=(
            'Cannot create volume %s: %s. A volume of that name exists with another driver; remove it or use '
            'another name.' % (spec.name, exc.message)))


def probe_volume(client: EngineClient, spec: VolumeSpec) -> None:
    """Prove the daemon accepts the new driver and options (a temporary volume, removed again) before a recreate."""
    probe = spec._replace(name='%s-dkapi-probe-%s' % (spec.name[:200], uuid.uuid4().hex[:8]))
    try:
        client.post_json('/volumes/create', None, probe.body())
    except APIError as exc:
        raise ConfigurationError(
            'The daemon refuses the new settings of volume %s (HTTP %d): %s. (Tested with a temporary volume before '
            'touching the old one.) Fix driver or driver_options. Nothing was changed: volume %s and its data are as '
            'they were.' % (spec.name, exc.status, exc.message, spec.name), status=exc.status)
    try:
        client.delete('/volumes/%s' % quote_path(probe.name))
    except APIError as exc:
        raise EngineError('The test volume %s (made to check the new settings of volume %s) could not be removed: %s. '
                          'Remove it; volume %s was not changed.' % (probe.name, spec.name, exc.message, spec.name))


def recreate_volume(client: EngineClient, spec: VolumeSpec, current: t.Mapping[str, t.Any]) -> None:
    probe_volume(client, spec)
    remove_volume(client, spec.name, 'recreate')  # refuses while a container uses it: nothing lost then
    try:
        create_volume(client, spec)
    except EngineError as exc:
        old = VolumeSpec(spec.name, current.get('Driver'), dict(current.get('Options') or {}) or None,
                         dict(current.get('Labels') or {}) or None)
        try:
            create_volume(client, old)
            now = 'An empty volume %s with the old settings was created again.' % spec.name
        except EngineError as err:
            now = 'Creating it again with the old settings failed too (%s): volume %s does not exist now.' % (err.msg, spec.name)
        exc.msg = ('%s The old volume %s had already been removed, and its data with it. %s'
                   % (exc.msg.rstrip(), spec.name, now))
        raise


# ---- services ---------------------------------------------------------------------------


def volume(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    """Make a named volume present (created, or recreated per ``recreate``) or absent."""
    name = volume_name(params)
    state = params.get('state') or 'present'
    spec = volume_spec(params) if state == 'present' else None
    current = inspect_volume(client, name)
    before = describe(name, current)
    actions: list[str] = []
    warnings: list[str] = []
    differences: list[str] = []
    paths: list[str] = []
    after_predicted = before

    if state == 'absent':
        if current is not None:
            actions.append('removed')
            after_predicted = describe(name, None)
            if not check_mode:
                remove_volume(client, name, 'remove')
    else:
        if spec is None:
            raise AssertionError('state present without a spec')
        if current is None:
            actions.append('created')
            after_predicted = predicted(spec)
            if not check_mode:
                create_volume(client, spec)
        else:
            items = difference_items(spec, current)
            differences = [text for _path, text in items]
            paths = [path for path, _text in items]
            recreate = params.get('recreate') or 'never'
            if recreate == 'always' or (differences and recreate == 'options-changed'):
                actions.append('recreated')
                after_predicted = predicted(spec)
                if not check_mode:
                    recreate_volume(client, spec, current)
            elif differences:
                warnings.append('Volume %s differs from the task (%s) but recreate is never, so it was left as it is. '
                                'Set recreate: options-changed to replace it (its data is lost).'
                                % (name, '; '.join(differences)))

    result: dict[str, t.Any] = {'changed': bool(actions), 'actions': actions}
    if differences:
        result['differences'] = differences
    # After real changes, report what the daemon now holds; otherwise (check mode too) what is there.
    result['volume'] = inspect_volume(client, name) if actions and not check_mode else current
    if warnings:
        result['warnings'] = warnings
    if state == 'present' and (check_mode or diff or params.get('debug')):
        result['diff'] = {'differences': paths}  # docker_volume's key: the options that differ
    if diff:
        after = describe(name, result['volume']) if not check_mode else after_predicted
        result.setdefault('diff', {}).update(before=before, after=after)
    return result


def volume_info(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    """One volume by name, or the list (with the API's filters). Never changes anything."""
    name = params.get('name')
    if name:
        found = inspect_volume(client, name)
        return {'changed': False, 'exists': found is not None, 'volume': found}
    volumes, daemon_warnings = list_volumes(client, params.get('filters'))
    result: dict[str, t.Any] = {'changed': False, 'volumes': volumes}
    if daemon_warnings:
        result['warnings'] = daemon_warnings
    return result
