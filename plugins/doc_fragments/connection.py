# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The connection options of every module. Keep in step with CONNECTION_ARGSPEC in
    # plugins/module_utils/_connection.py (validate-modules checks every module against it).
    DOCUMENTATION = r"""
options:
  docker_host:
    description:
      - The daemon to talk to, as C(unix:///path/to/docker.sock), C(tcp://host:port), C(https://host:port), or
        C(ssh://[user@]host[:port]).
      - A C(tcp://host) without port means port 2375 without TLS and 2376 with TLS, as the docker CLI does.
      - Without this option the E(DOCKER_HOST) environment variable is used, then C(unix:///var/run/docker.sock).
      - C(ssh://) works like the docker CLI's. The system's OpenSSH client (C(ssh)) runs C(docker system dial-stdio)
        on the remote host and the API is spoken over that pipe; an IPv6 address goes in brackets
        (C(ssh://admin@[2001:db8::1]:2222)). Without user or port, ssh's own defaults and C(~/.ssh/config) decide, so
        a C(Host) alias works too (C(ssh://docker1)). The remote host needs the Docker CLI, and the user must be allowed
        to use its daemon (in the C(docker) group there).
      - Everything in C(~/.ssh/config), the ssh agent, keys and known_hosts applies. ssh runs with C(BatchMode=yes) and
        it never prompts, so the key must be usable without a passphrase prompt (agent) and the host key must already
        be in known_hosts. Extra ssh arguments (such as C(-F config), C(-i key), C(-o UserKnownHostsFile=file)) can be
        given in the environment variable E(DOCKERAPI_SSH_OPTS), split like a shell does.
      - Connections to the same host are shared (OpenSSH C(ControlMaster=auto), C(ControlPersist=60), a control socket
        in a private directory, C(<tmp>/dockerapi-ssh-<uid>) or E(DOCKERAPI_SSH_CONTROL_DIR), at most 49 characters
        long), so that only the first task pays the SSH handshake. E(DOCKERAPI_SSH_CONTROL_PERSIST) sets how long an
        idle shared connection stays (seconds, or a time such as V(10m)); V(0) or V(no) turns sharing off, V(config)
        leaves it to your ssh configuration.
    type: str
    aliases: [docker_url]
  tls:
    description:
      - Talk TLS to a C(tcp://) daemon.
      - Turned on by itself when O(validate_certs=true), when O(ca_path), O(client_cert) or O(client_key) is set,
        when O(docker_host) is C(https://), or when E(DOCKER_TLS_VERIFY) or E(DOCKER_TLS) is set (to any non-empty
        value).
      - Ignored for C(unix://) sockets. Refused for C(ssh://) hosts (SSH encrypts the connection); other TLS options and
        E(DOCKER_TLS_VERIFY) are ignored for them.
    type: bool
  validate_certs:
    description:
      - Verify the daemon's certificate (against O(ca_path), else the system CA store) and its name (against
        O(tls_hostname), else the host in O(docker_host)).
      - Defaults to V(true) whenever TLS is in use. V(false) only encrypts, like C(docker --tls).
      - E(DOCKER_TLS_VERIFY) set to any non-empty value (even V(0)) means V(true), as in the docker CLI.
    type: bool
    aliases: [tls_verify]
  ca_path:
    description:
      - The CA certificate (PEM) that signed the daemon's certificate.
      - Without this option, C(ca.pem) in E(DOCKER_CERT_PATH) is used when TLS is on.
    type: path
    aliases: [ca_cert, tls_ca_cert, cacert_path]
  client_cert:
    description:
      - The client certificate (PEM) to present; the daemon demands one when it runs with C(--tlsverify).
      - Without this option, C(cert.pem) in E(DOCKER_CERT_PATH) is used when TLS is on. Needs O(client_key).
    type: path
    aliases: [tls_client_cert, cert_path]
  client_key:
    description:
      - The private key (PEM) of O(client_cert). Keep it readable only by its owner (mode C(0600)).
      - Without this option, C(key.pem) in E(DOCKER_CERT_PATH) is used when TLS is on.
    type: path
    aliases: [tls_client_key, key_path]
  client_key_passphrase:
    description:
      - The passphrase of an encrypted (passphrase-protected) O(client_key).
      - An encrypted key without this option fails with a message that says so (the key is never prompted for).
      - Not logged and masked in results. Prefer a vaulted variable.
    type: str
  tls_hostname:
    description:
      - The name the daemon's certificate must carry, when it differs from the host dialled, for example when a
        host is reached through C(127.0.0.1) or by address.
      - Without this option E(DOCKER_TLS_HOSTNAME) is used, then the host part of O(docker_host).
    type: str
  api_version:
    description:
      - The Engine API version to speak. V(auto) (the default) asks the daemon once per task and speaks the newest
        version both sides support.
      - A version such as V(1.43) pins it; a version the daemon does not accept fails with both ranges named.
      - Without this option E(DOCKER_API_VERSION) is used.
    type: str
    aliases: [docker_api_version]
  timeout:
    description:
      - Seconds to wait for the daemon on each request (streaming requests such as builds and events are not cut).
      - Without this option E(DOCKER_TIMEOUT) is used, then V(60).
      - Must be more than V(0) and at most V(604800) (a week); other values (and a E(DOCKER_TIMEOUT) that is not a
        number of seconds) fail with a message naming the value.
    type: int
  allow_insecure_tcp:
    description:
      - Allow plain (unencrypted, unauthenticated) TCP to a daemon that is not on a loopback address.
      - Anyone who can reach such a port controls the daemon, so this is refused unless set to V(true).
      - Not needed for C(ssh://) hosts, which SSH encrypts and authenticates.
    type: bool
    default: false
  debug:
    description:
      - Debug mode. The result gets the key C(api_calls), the method and path of every request this task sent to
        the daemon, in order (as the environment variable E(DOCKERAPI_ENGINE_TRACE) does for every task), also when
        the task fails.
      - C(network) and C(volume) return C(actions) in every mode (community.docker returns them only with O(debug=true)
        or in check mode).
    type: bool
    default: false
  use_ssh_client:
    description:
      - Accepted for compatibility with community.docker, where it makes an C(ssh://) O(docker_host) use the
        system's C(ssh) client instead of paramiko.
      - It changes nothing here. This collection always uses the system's C(ssh) client for C(ssh://) hosts (it
        never uses paramiko), whatever this option says.
    type: bool
    default: false
notes:
  - The connection options can be set once for all modules of this collection with
    C(module_defaults) and the action group C(group/dockerapi.engine.engine).
  - E(DOCKER_CERT_PATH) names a directory holding C(ca.pem), C(cert.pem) and C(key.pem), as the docker CLI uses it.
  - The modules talk HTTP to the daemon with the Python standard library; they need no Docker SDK and no
    C(requests) on the host that runs them. For C(ssh://) hosts that host needs the OpenSSH client (C(ssh)).
"""
