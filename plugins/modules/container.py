#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: container
short_description: Manage the lifecycle of one Docker container
version_added: 1.0.0
description:
  - Creates, updates, recreates, starts, stops and removes one container, found by O(name).
  - Creation is the Engine API's two steps, create then start, so O(state=present) creates a container without
    starting it and a later O(state=started) starts it.
  - "Idempotent: only the options the task sets are compared with the container (an option the task leaves out
    never causes a change), each the way docker_container compares it (O(comparisons)). Values the daemon fills in
    are normalised first: the image's default command and environment, port, capability and signal spellings,
    size and duration units."
  - "When something differs, limits and the restart policy are changed in place with the update endpoint; any
    other difference, or an image whose ID is not the container's image, recreates the container."
  - "A recreate creates the replacement first, under a temporary name; only when the daemon accepted it is the old
    container stopped and renamed aside, the replacement renamed into its name and started, and the old container
    removed. A refused create (for example a bind source that does not exist) leaves the old container untouched;
    a replacement that does not start is removed and the old container is put back (renamed back and started
    again). The failure message says what exists afterwards. An O(auto_remove) container is removed by the daemon
    as soon as it stops, so it cannot be put back."
  - An unchanged run makes no change on the daemon and only reads the container and its image.
author:
  - dockerapi.engine team (@dockerapi)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - dockerapi.engine.connection
  - dockerapi.engine.attributes
  - dockerapi.engine.container_more
  - dockerapi.engine.container_networks
attributes:
  check_mode:
    support: full
    details:
      - Check mode reports exactly the actions a real run would take (RV(actions)) and changes nothing.
      - With O(pull=always) it asks the registry, through the daemon, whether the tag points at another image
        (see O(pull_check_mode_behavior)).
      - RV(changes) in check mode lists exactly what the real run changes, and why.
      - O(state=healthy) and O(detach=false) do not wait in check mode.
  diff_mode:
    support: full
    details:
      - The diff shows, before and after, just the options that change (every option the task sets when the
        container is created), plus whether the container exists and runs when that changes. O(env) shows its
        keys only. C(diff.differences) lists them in docker_container's shape.
options:
  name:
    description:
      - The container's name (letters, digits, C(_), C(.) and C(-), starting with a letter or digit; at most 255
        characters).
      - "Parallel runs of one task on one name converge: a run that finds the name taken by a container created
        meanwhile manages that container instead of failing."
    type: str
    required: true
  state:
    description:
      - V(present) makes sure the container exists with the requested configuration, without starting it. An
        existing container keeps running or stays stopped; a container that has to be recreated is left created,
        not started (as community.docker's docker_container does).
      - V(started) also starts it (the default). V(stopped) makes it exist and stops it. V(absent) stops (or kills,
        O(force_kill)) and removes it.
      - V(healthy) is V(started), then waits until the container's health check reports C(healthy), at most
        O(healthy_wait_timeout) seconds. A container without a health check counts as healthy once it runs. The
        task fails when the status turns C(unhealthy) (docker_container keeps waiting until the time-out
        instead), when the container stops, or at the time-out; the message quotes the last health check output.
    type: str
    choices: [absent, present, healthy, stopped, started]
    default: started
  healthy_wait_timeout:
    description:
      - With O(state=healthy), how many seconds to wait for the health status C(healthy).
      - The status is polled (first after 0.25 s, then 1.5 times longer each time, at most 5 s apart).
    type: float
    default: 300
  image:
    description:
      - The image reference, for example C(busybox:1.36) or C(registry.example.org/app@sha256:...).
      - Required to create a container. A reference without tag means C(latest). The reference is checked before
        any request (for example C(App:1) is refused, as repository names are lowercase).
      - Without O(image), an existing container keeps its image, also when it is recreated (the new container is
        created from the old one's image ID; by the name it was created with while that name still means the same
        image).
    type: str
  pull:
    description:
      - V(missing) (or V(false)) pulls the image only when the daemon does not have it. V(never) fails when it is
        missing. V(always) (or V(true)) pulls every time and recreates the container when the pull brought a
        different image. V(true) and V(false) mean what they mean in docker_container.
    type: raw
    choices: [never, missing, always, true, false]
    default: missing
  pull_check_mode_behavior:
    description:
      - How check mode treats O(pull=always) (or V(true)) when the image is present.
      - V(image_not_present) (the default) reports a pull only when the image is missing, or when the registry,
        asked through the daemon without pulling (C(GET /distribution)), names another manifest than the local
        image has. When the registry cannot be asked, check mode assumes the pull brings the same image (and
        warns).
      - V(always) reports a pull (and the recreate that a new image would cause) on every check run.
    type: str
    choices: [image_not_present, always]
    default: image_not_present
  registry_auth:
    description:
      - Credentials for the registry of O(image), sent as C(X-Registry-Auth) when the image is pulled (and when
        check mode asks the registry for its digest).
      - "Without them, the docker CLI's credentials for the registry are used, as the docker CLI finds them: in the
        config C($DOCKER_CONFIG/config.json) or C(~/.docker/config.json) (on the host that runs the module), from
        the credential helper C(credHelpers) names for the registry, else the one C(credsStore) names, else the
        C(auths) entry (C(auth) or C(identitytoken)); M(dockerapi.engine.login) writes them. Otherwise the registry
        is accessed anonymously."
      - "A dictionary with C(username) and C(password), or C(identitytoken); C(serveraddress) (the registry the
        credentials are for) is optional and defaults to the registry host in the image name."
      - "Or the same as a string: a JSON object, or the base64 value of an C(X-Registry-Auth) header (C(auth), base64
        of C(user:password), is understood too)."
      - "The password, the identity token, C(auth) and a string form as a whole never appear in the output (they are
        masked like C(no_log) values). The user name and server address are not secret and stay visible."
      - Not an option of community.docker's C(docker_container), which reads the docker config only.
    type: raw
  image_comparison:
    description:
      - Which image's defaults the comparison uses for options whose value the image provides (for example
        O(command=[]) meaning the image's command).
      - V(desired-image) uses the image of O(image); V(current-image) the image the container runs now (one more
        read when they differ). Whether the image itself differs is decided by the image ID in either case.
    type: str
    choices: [desired-image, current-image]
    default: desired-image
  image_label_mismatch:
    description:
      - With O(labels) compared V(strict) (see O(comparisons)), what to do with labels the image brings that the
        task does not set.
      - V(ignore) counts them as asked for, so they never cause a recreate. V(fail) fails the task (before any
        change) naming them.
    type: str
    choices: [ignore, fail]
    default: ignore
  image_name_mismatch:
    description:
      - What to do when the container runs the right image ID but was created from another image name (for
        example C(app:1.2) retagged as C(app:latest)).
      - V(recreate) recreates it so that the container shows the name the task gives; V(ignore) compares the ID
        only. Names are compared in one spelling (C(busybox) is C(docker.io/library/busybox:latest)).
      - "Neither applies with C(comparisons: {image: ignore})."
    type: str
    choices: [recreate, ignore]
    default: recreate
  comparisons:
    description:
      - "How each option the task sets is compared with the existing container, per option (or alias) name, as
        docker_container's O(comparisons). V(strict) means equal; V(ignore) means never a difference;
        V(allow_more_present) (lists, sets and dicts only) means everything the task lists is there, and more on
        the container is fine (for a dict: the task's keys are there with the task's values)."
      - "The key C(*) sets V(strict) or V(ignore) for every option not named; C(image) (V(strict) or V(ignore):
        whether another image ID recreates) and C(networks) (V(allow_more_present) (default), V(strict): networks
        not listed are disconnected, or V(ignore)) are accepted too."
      - "The defaults are docker_container's: V(strict) for single values and for the ordered lists O(command) and
        O(entrypoint); V(allow_more_present) for unordered lists (O(published_ports), O(exposed_ports),
        O(volumes), O(mounts), O(tmpfs), O(devices), O(device_cgroup_rules), O(capabilities), O(cap_drop),
        O(security_opts)) and dicts (O(env), O(env_file), O(labels), O(healthcheck)); V(ignore) for
        O(stop_timeout)."
      - Under V(strict), what the image sets (environment, labels, volumes, exposed ports) counts as asked for.
      - An unknown key or a mode the option does not allow fails before anything changes.
    type: dict
    version_added: 1.0.0
  container_default_behavior:
    description:
      - V(no_defaults) (the default) compares and sets only the options the task gives.
      - V(compatibility) fills in the values docker_container's old defaults gave when the task leaves them out
        (O(auto_remove=false), O(detach=true), O(init=false), O(interactive=false), O(memory=0),
        O(paused=false), O(privileged=false), O(read_only=false), O(tty=false)), so they are compared too.
    type: str
    choices: [compatibility, no_defaults]
    default: no_defaults
    version_added: 1.0.0
  command_handling:
    description:
      - V(correct) (the default, docker_container's since community.docker 3.0.0) keeps O(command) and
        O(entrypoint) lists as they are; a string O(command) is split like a shell would; an empty O(command)
        means the image's command.
      - "V(compatibility) is docker_container's old handling, implemented too: a list is joined with spaces and
        split again like a shell would (so quoting inside items counts), and an empty O(command) or
        O(entrypoint) counts as not given."
    type: str
    choices: [compatibility, correct]
    default: correct
    version_added: 1.0.0
  command:
    description:
      - The command, as a list of arguments or as a string split like a shell would (see O(command_handling)).
      - An empty list means the image's default command.
      - Compared as an ordered list (V(strict)).
    type: raw
  entrypoint:
    description:
      - The entrypoint, as a list of arguments (see O(command_handling)). An empty list clears the image's
        entrypoint.
      - Compared as an ordered list (V(strict)).
    type: list
    elements: str
  env:
    description:
      - "Environment variables. Values must be strings; integers are accepted. Booleans and floats are refused
        (YAML turns V(yes) into V(true) and C(1.10) into V(1.1)): quote them."
      - "The values never appear in the diff, RV(changes) or the result: the diff shows the keys, with
        C(<hidden>) or C(<hidden, changed>), and RV(container) shows C(KEY=<hidden>) for the keys set here."
      - Variables set by the image or earlier are not removed when left out here (V(allow_more_present)).
    type: dict
  env_file:
    description:
      - A file of C(KEY=VALUE) lines (the docker CLI's env-file syntax; C(#) starts a comment; a bare C(KEY) takes
        the variable of the environment the module runs in), read on the host the module runs on.
      - Merged with O(env); O(env) wins for a variable both set. Values are hidden like those of O(env).
    type: path
    version_added: 1.0.0
  labels:
    description:
      - Labels. Labels the image sets or that are left out here are not removed (V(allow_more_present)).
      - Values must be strings; integers are accepted, booleans and floats refused (quote them).
    type: dict
  published_ports:
    description:
      - Ports to publish, in the docker CLI's syntax C([IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]), for example
        C(8080:80), C(127.0.0.1:8080:80/tcp), C(127.0.0.1::80) (random host port), C([::1]:8080:80),
        C(8000-8001:80-81/udp) or C(8000-8010:80) (one free port of the range).
      - A port without address binds to O(default_host_ip) when that is given, else to the daemon's default (all
        addresses).
      - V(all), docker_container's old spelling of O(publish_all_ports=true), is accepted with a warning.
      - Compared as a set (V(allow_more_present)); the order does not matter.
    type: list
    elements: str
    aliases: [ports]
  exposed_ports:
    description:
      - Container ports to expose without publishing them, as C(PORT[/PROTOCOL]) or a range C(8000-8010), like
        C(EXPOSE) in a Dockerfile. Ports of O(published_ports) are exposed anyway.
      - Compared as a set (V(allow_more_present)).
    type: list
    elements: str
    aliases: [exposed, expose]
    version_added: 1.0.0
  publish_all_ports:
    description: Publish every exposed port to a random host port (C(docker run -P)).
    type: bool
    version_added: 1.0.0
  default_host_ip:
    description:
      - The host address for the entries of O(published_ports) that give none; V("") means the daemon's default
        (all IPv4 and IPv6 addresses).
      - "Without it, such entries use the daemon's default. docker_container instead reads the bridge network's
        C(com.docker.network.bridge.host_binding_ipv4) (default C(0.0.0.0)) with one more API call: to get its
        behaviour exactly, give that address here."
    type: str
    version_added: 1.0.0
  volumes:
    description:
      - Bind mounts and volumes in the docker CLI's syntax C(/host/path:/container/path[:ro]),
        C(volume_name:/container/path[:ro]), or C(/container/path) for an anonymous volume.
      - Compared as a set (V(allow_more_present)).
    type: list
    elements: str
  mounts:
    description:
      - "Mounts in the Engine API's form. Compared as a set of dicts (V(allow_more_present)): a mount of the task
        must exist on the container with the given settings."
      - Suboptions that need a newer API than the daemon speaks fail before anything changes.
    type: list
    elements: dict
    suboptions:
      target:
        description: The path in the container.
        type: str
        required: true
      source:
        description: Host path (V(bind)), volume name (V(volume); empty for an anonymous volume), image (V(image)).
        type: str
      type:
        description:
          - The mount type. V(npipe) is for Windows daemons, V(cluster) for swarm (Docker API 1.42), V(image)
            mounts an image's file system (Docker API 1.47).
        type: str
        choices: [bind, npipe, tmpfs, volume, cluster, image]
        default: volume
      read_only:
        description: Mount read-only.
        type: bool
      consistency:
        description: The consistency requirement (only Docker Desktop for Mac uses it).
        type: str
        choices: [cached, consistent, default, delegated]
      propagation:
        description: Bind propagation (V(bind) only).
        type: str
        choices: [private, rprivate, shared, rshared, slave, rslave]
      non_recursive:
        description: Do not bind sub-mounts recursively (V(bind) only; Docker API 1.40).
        type: bool
        version_added: 1.0.0
      create_mountpoint:
        description: Create the host path when it is missing (V(bind) only; Docker API 1.42).
        type: bool
        version_added: 1.0.0
      read_only_non_recursive:
        description: Make sub-mounts writable when O(mounts[].read_only) (V(bind) only; Docker API 1.44).
        type: bool
        version_added: 1.0.0
      read_only_force_recursive:
        description: Make sub-mounts read-only too, or fail (V(bind) only; Docker API 1.44).
        type: bool
        version_added: 1.0.0
      no_copy:
        description: Do not fill a new volume with the image's data at the target (V(volume) only).
        type: bool
        version_added: 1.0.0
      labels:
        description: Labels of a volume created for this mount (V(volume) only).
        type: dict
        version_added: 1.0.0
      volume_driver:
        description: The driver of a volume created for this mount (V(volume) only).
        type: str
        version_added: 1.0.0
      volume_options:
        description: Driver options of a volume created for this mount (V(volume) only).
        type: dict
        version_added: 1.0.0
      subpath:
        description: Mount only this path inside the volume (Docker API 1.45) or image (Docker API 1.48).
        type: str
        version_added: 1.0.0
      tmpfs_size:
        description: Size of a V(tmpfs) mount, for example C(64m).
        type: str
      tmpfs_mode:
        description: File mode of a V(tmpfs) mount, in octal, for example C(1777).
        type: str
        version_added: 1.0.0
      tmpfs_options:
        description:
          - 'Mount options of a V(tmpfs) mount (Docker API 1.46), each a dict with one option name and its value
            (an empty value for a flag), for example C({exec: ""}).'
        type: list
        elements: dict
        version_added: 1.0.0
  tmpfs:
    description:
      - tmpfs mounts as C(/path) or C(/path:options), for example C(/run:size=64m).
      - Compared as a set (V(allow_more_present)).
    type: list
    elements: str
  hostname:
    description: The container's host name.
    type: str
  user:
    description: The user (and group) the command runs as, C(name), C(uid) or C(uid:gid).
    type: str
  working_dir:
    description: The working directory of the command.
    type: str
  restart_policy:
    description: The restart policy. Changed in place on an existing container.
    type: str
    choices: ['no', on-failure, always, unless-stopped]
  restart_retries:
    description: How many times O(restart_policy=on-failure) restarts. Changed in place.
    type: int
  healthcheck:
    description:
      - "A health check. Compared as a dict (V(allow_more_present)): only the keys given are compared."
      - "As in docker_container, a healthcheck without O(healthcheck.test) is ignored (neither set nor compared)
        unless O(healthcheck.test_cli_compatible=true)."
    type: dict
    suboptions:
      test:
        description:
          - The command, as a string (run by the shell, C(CMD-SHELL)) or a list (C(CMD) is added unless it starts
            with C(CMD), C(CMD-SHELL) or C(NONE)). V(NONE) disables the image's health check.
        type: raw
      test_cli_compatible:
        description:
          - With V(true), a healthcheck without O(healthcheck.test) keeps the image's test and sets the other keys
            given, as the docker CLI does with C(--health-interval) and no C(--health-cmd).
        type: bool
        default: false
        version_added: 1.0.0
      interval:
        description: Time between checks, for example C(30s) or C(1m30s).
        type: str
      timeout:
        description: How long one check may take.
        type: str
      retries:
        description: Consecutive failures that make the container unhealthy.
        type: int
      start_period:
        description: Grace period after start during which failures do not count.
        type: str
      start_interval:
        description: Time between checks during the start period (Docker API 1.44 or newer).
        type: str
  memory:
    description: Memory limit, for example C(512m) or C(1g). Changed in place.
    type: str
  memory_reservation:
    description: Memory soft limit. Changed in place.
    type: str
  memory_swap:
    description: Memory plus swap limit, or V(-1) for unlimited swap. Changed in place.
    type: str
  kernel_memory:
    description:
      - Accepted for compatibility with docker_container and ignored, with a warning. Kernel memory limits are
        deprecated; the daemon ignores them since Docker API 1.42 and never supported them on cgroup v2.
    type: str
    version_added: 1.0.0
  cpus:
    description: Number of CPUs, for example V(0.5). Changed in place.
    type: float
  cpu_shares:
    description: Relative CPU weight. Changed in place.
    type: int
  cpu_period:
    description: CPU CFS period in microseconds. Changed in place.
    type: int
  cpu_quota:
    description: CPU CFS quota in microseconds. Changed in place.
    type: int
  cpuset_cpus:
    description: CPUs the container may use, for example C(0-1). Changed in place.
    type: str
  pids_limit:
    description: Maximum number of processes; V(0) or V(-1) means unlimited. Changed in place.
    type: int
  capabilities:
    description:
      - Capabilities to add, with or without the C(CAP_) prefix, or V(ALL).
      - C(cap_add), the name this module used before it matched docker_container, stays an alias.
      - Compared as a set (V(allow_more_present)).
    type: list
    elements: str
    aliases: [cap_add]
  cap_drop:
    description: Capabilities to drop. Compared as a set (V(allow_more_present)).
    type: list
    elements: str
  privileged:
    description: Give the container every capability and device.
    type: bool
  security_opts:
    description:
      - Security options, for example C(seccomp=unconfined) or C(apparmor=unconfined).
      - Compared as a set (V(allow_more_present)).
    type: list
    elements: str
  devices:
    description:
      - Host devices, as C(/dev/host[:/dev/container[:permissions]]). Compared as a set (V(allow_more_present)).
    type: list
    elements: str
  device_cgroup_rules:
    description:
      - Device cgroup rules, for example C(c 1:3 rwm) or C(a *:* rwm). Compared as a set (V(allow_more_present)).
    type: list
    elements: str
  cgroupns_mode:
    description: The cgroup namespace mode (Docker API 1.41).
    type: str
    choices: [host, private]
  init:
    description: Run an init process as PID 1 that reaps zombies and forwards signals.
    type: bool
  stop_signal:
    description: The signal that stops the container, for example C(SIGTERM) or C(SIGRTMIN+3).
    type: str
  stop_timeout:
    description:
      - Seconds to wait after the stop signal before killing. Stored in the container and used when this task
        stops it.
      - Not compared by default (V(ignore), as docker_container); set O(comparisons) C(stop_timeout) to V(strict) to
        recreate on a change.
    type: int
  auto_remove:
    description: Let the daemon remove the container when it exits.
    type: bool
  platform:
    description:
      - The platform of the image, C(os[/arch[/variant]]), for example C(linux/amd64) or C(linux/arm64) (Docker API
        1.41). Passed to the create; compared with the platform of the image (spellings such as C(x86_64) and
        C(amd64) are the same), down to the parts given.
    type: str
    version_added: 1.0.0
  restart:
    description:
      - With O(state=started) or O(state=healthy), restart the running container (C(POST /restart), with
        O(stop_timeout)) even when nothing changed.
    type: bool
    default: false
  recreate:
    description: Recreate the container even when nothing changed.
    type: bool
    default: false
  keep_volumes:
    description:
      - When removing the container (O(state=absent) or a recreate), keep its anonymous volumes.
      - A recreated container gets new anonymous volumes; with V(true) the old ones stay behind, unused.
      - An O(auto_remove) container's anonymous volumes are removed by the daemon when it stops, whatever this says.
      - O(cleanup) always removes the anonymous volumes of the run.
    type: bool
    default: true
  force_kill:
    description:
      - Kill the container (C(POST /kill) with O(kill_signal)) instead of stopping it gracefully, wherever this
        task stops it (O(state=stopped), O(state=absent), a recreate).
    type: bool
    default: false
    aliases: [forcekill]
  kill_signal:
    description:
      - The signal O(force_kill) sends, for example C(SIGKILL) (the daemon's default), C(SIGUSR1) or C(9).
      - A signal the container's process handles without exiting leaves it running (with O(state=stopped)); a
        removal removes it anyway.
    type: str
  paused:
    description:
      - With O(state=started), V(true) pauses the running container (C(POST /pause)) and V(false) unpauses it.
        Unset leaves it as it is.
      - Updates in place work on a paused container; a paused container that has to be stopped, recreated or
        removed is unpaused first.
    type: bool
  removal_wait_timeout:
    description:
      - How many seconds to wait for a container the daemon is removing (for example an O(auto_remove) one that
        stopped) to be gone, before creating its replacement or while removing it. Unset waits as long as it takes.
    type: float
  detach:
    description:
      - V(false) runs the container to completion, like C(docker run) without C(-d), whenever this task starts it
        (a new, recreated or stopped container; not a running one that is unchanged). The task waits for it to
        exit and returns the exit code as RV(status) and the output as C(container.Output); a non-zero exit
        fails the task with the output as message.
      - The output is read with C(GET /containers/{id}/logs) for the log drivers C(json-file), C(journald) and
        C(local); with another driver C(Output) says which driver has it, and with O(auto_remove) it cannot be
        read (as docker_container).
      - Unset or V(true) starts the container and returns at once.
    type: bool
  cleanup:
    description:
      - With O(detach=false), remove the container (and its anonymous volumes) after it exited. Not with
        O(auto_remove), where the daemon removes it.
    type: bool
    default: false
  output_logs:
    description:
      - With O(detach=false), also write the container's output to the system log (syslog or journal) of the host
        the module runs on, as docker_container does. With a log driver whose output cannot be read, or with
        O(auto_remove), the task warns instead.
    type: bool
    default: false
notes:
  - "Comparisons default to docker_container's (see O(comparisons)): single values and O(command), O(entrypoint)
    are compared V(strict); unordered lists and dicts V(allow_more_present), so extra values on the container and
    another order are fine; O(stop_timeout) is not compared."
  - Every task negotiates the API version with one C(GET /version); an unchanged run then makes two more reads.
seealso:
  - module: dockerapi.engine.container_info
  - module: dockerapi.engine.container_exec
  - module: dockerapi.engine.prune
"""

EXAMPLES = r"""
- name: A web server on loopback port 8080
  dockerapi.engine.container:
    name: web
    image: nginx:1.27
    published_ports:
      - 127.0.0.1:8080:80
    env:
      TZ: Europe/Paris
    restart_policy: unless-stopped
    memory: 256m

- name: Create a container without starting it (the API's first step)
  dockerapi.engine.container:
    name: job
    image: busybox:1.36
    command: [sh, -c, "echo hello; sleep 600"]
    state: present

- name: Start it (the second step)
  dockerapi.engine.container:
    name: job
    state: started

- name: Raise a limit in place (no recreate)
  dockerapi.engine.container:
    name: web
    image: nginx:1.27
    memory: 512m

- name: A systemd container (the capability set that works where --privileged does not)
  dockerapi.engine.container:
    name: testhost
    image: my/debian-systemd:12
    cap_add: [ALL]
    cap_drop: [SYS_RESOURCE]
    security_opts: [seccomp=unconfined, apparmor=unconfined]
    device_cgroup_rules: ["a *:* rwm"]
    cgroupns_mode: host
    volumes: [/sys/fs/cgroup:/sys/fs/cgroup:rw]
    tmpfs: [/run, /run/lock]
    stop_signal: SIGRTMIN+3

- name: Remove it, with its anonymous volumes
  dockerapi.engine.container:
    name: job
    state: absent
    keep_volumes: false
"""

RETURN = r"""
container:
  description:
    - The container's inspect result (C(GET /containers/{id}/json)) after the task; before it in check mode.
    - V(null) when the container does not exist (after O(state=absent), or in check mode before a create).
    - With O(detach=false), the inspect after the exit plus C(Output), the container's output (only C(Output)
      after O(cleanup)).
  returned: success
  type: dict
  sample: {"Id": "4f0e...", "Name": "/web", "State": {"Status": "running", "Running": true}}
status:
  description: The container's exit code, with O(detach=false) when this task started it.
  returned: when O(detach=false) and the container was started
  type: int
  sample: 0
changes:
  description:
    - Why the task changed (or, in check mode, would change) the container, one entry per reason, in order;
      empty when nothing changes.
    - C(option) is an option of this module (or C(state), C(image), C(image_name), C(recreate), C(restart),
      C(paused), C(networks)); C(wanted) what the task asks for; C(actual) what the container has; C(comparison)
      the comparison that found the difference (V(null) for run-state entries).
    - C(action) is C(updated) (changed in place through the update endpoint), C(recreated), C(connected),
      C(disconnected), C(reconnected) (networks), or C(created), C(started), C(stopped), C(restarted), C(paused),
      C(unpaused), C(removed), C(pulled).
    - O(env) values are never shown, only their keys.
  returned: success
  type: list
  elements: dict
  sample: [{"option": "memory", "wanted": 100663296, "actual": 67108864, "comparison": "strict", "action": "updated"}]
actions:
  description:
    - What the task did (or, in check mode, would do), in order. Items are C(pull), C(create), C(update),
      C(connect:NETWORK), C(reconnect:NETWORK), C(disconnect:NETWORK), C(start), C(restart), C(stop), C(kill)
      (O(force_kill)), C(pause), C(unpause), C(rename), C(remove) and C(cleanup) (the removal after a run with
      O(detach=false) and O(cleanup)).
    - A recreate is C(create) (the replacement, under a temporary name), its network items, C(stop) or C(kill)
      (the old container, when running), C(rename) (the old one aside, the replacement into its name), C(start)
      (when the state asks for it) and C(remove) (the old container).
  returned: success
  type: list
  elements: str
  sample: ["create", "start"]
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._auth import REGISTRY_AUTH_ARGSPEC
from ansible_collections.dockerapi.engine.plugins.module_utils._container_options import OPTION_ARGSPEC
from ansible_collections.dockerapi.engine.plugins.module_utils._containers import container_service
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = container_service
ARGUMENT_SPEC = {
    'name': {'type': 'str', 'required': True},
    'state': {'type': 'str', 'default': 'started', 'choices': ['absent', 'present', 'healthy', 'stopped', 'started']},
    'healthy_wait_timeout': {'type': 'float', 'default': 300},
    'detach': {'type': 'bool'},
    'cleanup': {'type': 'bool', 'default': False},
    'output_logs': {'type': 'bool', 'default': False},
    'force_kill': {'type': 'bool', 'default': False, 'aliases': ['forcekill']},
    'kill_signal': {'type': 'str'},
    'paused': {'type': 'bool'},
    'removal_wait_timeout': {'type': 'float'},
    'pull_check_mode_behavior': {'type': 'str', 'default': 'image_not_present', 'choices': ['image_not_present', 'always']},
    'registry_auth': REGISTRY_AUTH_ARGSPEC,
    'image_comparison': {'type': 'str', 'default': 'desired-image', 'choices': ['desired-image', 'current-image']},
    'image_label_mismatch': {'type': 'str', 'default': 'ignore', 'choices': ['ignore', 'fail']},
    'image_name_mismatch': {'type': 'str', 'default': 'recreate', 'choices': ['recreate', 'ignore']},
    'image': {'type': 'str'},
    'pull': {'type': 'raw', 'default': 'missing', 'choices': ['never', 'missing', 'always', True, False]},
    'restart': {'type': 'bool', 'default': False},
    'recreate': {'type': 'bool', 'default': False},
    'keep_volumes': {'type': 'bool', 'default': True},
}
# Every option that describes the container: the option engine's table (with helper parts' rows).
ARGUMENT_SPEC.update(OPTION_ARGSPEC)


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
