"""network: IPAM validation and comparison (pure logic)."""

from __future__ import annotations

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError
from ansible_collections.dockerapi.engine.plugins.module_utils._networks import (
    ipam_differences,
    network_differences,
    network_spec,
    normalize_ipam_config,
)


def spec(**kw: object):
    base = {'name': 'n', 'driver': None, 'driver_options': None, 'ipam_driver': None, 'ipam_driver_options': None,
            'ipam_config': None, 'internal': None, 'attachable': None, 'enable_ipv6': None, 'labels': None}
    base.update(kw)
    return network_spec(base)


def inspected(**kw: object) -> dict:
    net = {'Name': 'n', 'Driver': 'bridge', 'Options': {}, 'Internal': False, 'Attachable': False, 'EnableIPv6': False,
           'Labels': {}, 'IPAM': {'Driver': 'default', 'Options': None,
                                  'Config': [{'Subnet': '10.237.5.0/24', 'Gateway': '10.237.5.1'}]}}
    net.update(kw)
    return net


def test_ipam_config_is_normalised() -> None:
    got = normalize_ipam_config([{'subnet': '10.237.5.7/24', 'gateway': '10.237.5.1', 'iprange': '10.237.5.128/25',
                                  'aux_addresses': {'router': '10.237.5.2'}},
                                 {'subnet': 'FD00:0:0:1::/64'}])
    assert got == [{'subnet': '10.237.5.0/24', 'gateway': '10.237.5.1', 'iprange': '10.237.5.128/25',
                    'aux_addresses': {'router': '10.237.5.2'}},
                   {'subnet': 'fd00:0:0:1::/64'}]


@pytest.mark.parametrize(('entries', 'text'), [
    ([{'subnet': 'nonsense'}], "ipam_config[0].subnet 'nonsense' is not an address range"),
    ([{'subnet': '10.0.0.0/24', 'gateway': '10.0.1.1'}], 'ipam_config[0].gateway 10.0.1.1 is not inside subnet'),
    ([{'subnet': '10.0.0.0/24', 'iprange': '10.0.1.0/25'}], 'iprange 10.0.1.0/25 is not inside subnet'),
    ([{'subnet': '10.0.0.0/24', 'gateway': 'x'}], "gateway 'x' is not an IP address"),
    ([{'subnet': '10.0.0.0/24'}, {'subnet': '10.0.0.0/24'}], 'the same subnet twice'),
    ([{'gateway': '10.0.0.1'}], 'needs a subnet'),
])
def test_bad_ipam_config(entries: list, text: str) -> None:
    with pytest.raises(ConfigurationError) as err:
        normalize_ipam_config(entries)
    assert text in err.value.msg


def test_same_network_has_no_differences() -> None:
    wanted = spec(ipam_config=[{'subnet': '10.237.5.0/24'}], internal=False, labels={'a': 'b'})
    assert network_differences(wanted, inspected(Labels={'a': 'b', 'other': 'x'})) == []


def test_unset_options_are_not_compared() -> None:
    assert network_differences(spec(), inspected(Internal=True, Driver='macvlan', Labels={'a': 'b'})) == []


def test_differences_are_named() -> None:
    wanted = spec(driver='bridge', internal=True, attachable=True, labels={'a': 'c'},
                  ipam_config=[{'subnet': '10.237.6.0/24'}], driver_options={'x': 'y'})
    assert network_differences(wanted, inspected(Labels={'a': 'b'})) == [
        "driver_options.x: missing, wanted 'y'",
        'ipam_config: subnet 10.237.6.0/24 missing (has 10.237.5.0/24)',
        'ipam_config: subnet 10.237.5.0/24 not wanted',
        'internal: False, wanted True',
        'attachable: False, wanted True',
        "labels.a: 'b', wanted 'c'",
    ]


def test_gateway_compared_only_when_given() -> None:
    net = inspected()
    assert ipam_differences(normalize_ipam_config([{'subnet': '10.237.5.0/24'}]), net) == []
    assert ipam_differences(normalize_ipam_config([{'subnet': '10.237.5.0/24', 'gateway': '10.237.5.254'}]), net) == \
        ["ipam_config 10.237.5.0/24 gateway: '10.237.5.1', wanted '10.237.5.254'"]


def test_an_address_family_left_out_is_the_daemons_choice() -> None:
    # 28.x adds an IPv6 range of its own to enable_ipv6 networks; that is not a difference.
    net = inspected(EnableIPv6=True, IPAM={'Driver': 'default', 'Config': [
        {'Subnet': '10.237.5.0/24', 'Gateway': '10.237.5.1'}, {'Subnet': 'fd8c:1:2::/64', 'Gateway': 'fd8c:1:2::1'}]})
    assert network_differences(spec(enable_ipv6=True, ipam_config=[{'subnet': '10.237.5.0/24'}]), net) == []


def test_create_body() -> None:
    body = spec(ipam_config=[{'subnet': '10.237.5.0/24', 'gateway': '10.237.5.1'}], internal=True,
                labels={'a': 'b'}).body(check_duplicate=True)
    assert body == {'Name': 'n', 'CheckDuplicate': True, 'Internal': True, 'Labels': {'a': 'b'},
                    'IPAM': {'Driver': 'default', 'Options': {},
                             'Config': [{'Subnet': '10.237.5.0/24', 'Gateway': '10.237.5.1'}]}}
    assert spec().body(check_duplicate=False) == {'Name': 'n'}


def test_old_body_makes_the_network_again_as_it_was() -> None:
    from ansible_collections.dockerapi.engine.plugins.module_utils._networks import old_body
    body = old_body(inspected(Internal=True, Labels={'a': 'b'}, Options={'com.docker.network.driver.mtu': '1400'},
                              EnableIPv4=True), check_duplicate=True)
    assert body == {'Name': 'n', 'Driver': 'bridge', 'Options': {'com.docker.network.driver.mtu': '1400'},
                    'IPAM': {'Driver': 'default', 'Options': {},
                             'Config': [{'Subnet': '10.237.5.0/24', 'Gateway': '10.237.5.1'}]},
                    'Internal': True, 'Attachable': False, 'EnableIPv6': False, 'Labels': {'a': 'b'},
                    'EnableIPv4': True, 'CheckDuplicate': True}


def test_reconnected_endpoints_keep_aliases_and_only_fitting_addresses() -> None:
    from ansible_collections.dockerapi.engine.plugins.module_utils._networks import _fits
    endpoint = {'Aliases': ['web'], 'IPAMConfig': {'IPv4Address': '10.237.5.9'}}
    assert _fits(endpoint, spec(ipam_config=[{'subnet': '10.237.5.0/24'}])) == endpoint
    assert _fits(endpoint, spec(ipam_config=[{'subnet': '10.237.6.0/24'}])) == {'Aliases': ['web']}
    assert _fits(endpoint, spec()) == {'Aliases': ['web']}


class _NoWrites:
    """A client that fails the test on any request: the probe must be skipped without one."""

    def post_json(self, *args: object, **kw: object) -> None:
        raise AssertionError('no request expected')


def test_probe_is_skipped_when_it_would_collide_with_the_old_network() -> None:
    from ansible_collections.dockerapi.engine.plugins.module_utils._networks import probe_recreate
    why = probe_recreate(_NoWrites(), spec(ipam_config=[{'subnet': '10.237.5.0/25'}]), inspected())  # type: ignore[arg-type]
    assert why is not None and 'overlaps the old network' in why
    bridge = {'com.docker.network.bridge.name': 'br-x'}
    why = probe_recreate(_NoWrites(), spec(driver_options=bridge), inspected(Options=bridge))  # type: ignore[arg-type]
    assert why is not None and 'bridge br-x' in why
