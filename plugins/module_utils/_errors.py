# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one exception hierarchy of the collection.

Every failure a user can cause travels up as one of these and is turned into
``fail_json(msg=..., **details)`` in exactly one place (the runner). The message
always says what failed and what to do next.
"""

from __future__ import annotations

import typing as t


class EngineError(Exception):
    """Base class: ``msg`` is the user-facing text, ``details`` extra result keys."""

    def __init__(self, msg: str, **details: t.Any) -> None:
        super().__init__(msg)
        self.msg = msg
        self.details = details

    def __str__(self) -> str:
        return self.msg


class ConfigurationError(EngineError):
    """The task's options (or DOCKER_* environment variables) cannot work as given."""


class ConnectionProblem(EngineError):
    """The daemon could not be reached or the transport failed."""


class TLSProblem(ConnectionProblem):
    """The TLS handshake or certificate check failed."""


class ProtocolError(ConnectionProblem):
    """The daemon's answer does not follow the Engine API (a body that is not JSON, cut short, ...)."""


class APIVersionError(EngineError):
    """No API version both sides speak, or a pinned version the daemon refuses."""


class UnsupportedFeature(EngineError):
    """An option needs a newer API version than the one negotiated."""


class APIError(EngineError):
    """The daemon answered with an error status; carries its status and message."""

    def __init__(self, status: int, message: str, method: str = '', path: str = '', msg: str | None = None) -> None:
        self.status = status
        self.message = message
        self.method = method
        self.path = path
        if msg is None:
            msg = 'Docker daemon answered %s %s with HTTP %d: %s' % (method, path, status, message)
        super().__init__(msg, status=status, daemon_message=message)


class NotFound(APIError):
    """404: no such container, image, volume, network, exec instance..."""


class Conflict(APIError):
    """409: name in use, container running, image in use..."""


class NotModified(APIError):
    """304: the object already is in the requested state (start/stop)."""


class StreamError(EngineError):
    """An error object arrived inside a 200 streaming response (build, pull, push)."""

    def __init__(self, msg: str, log: list[str] | None = None, **details: t.Any) -> None:
        super().__init__(msg, **details)
        self.log = log or []
