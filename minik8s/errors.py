"""API errors, carried as Kubernetes ``Status`` objects.

The API server answers a failed request with a ``Status`` (kind: Status,
status: Failure) whose ``reason`` and ``code`` say what went wrong and whose
``message`` is the sentence kubectl prints after ``Error from server (Reason):``.
See https://kubernetes.io/docs/reference/using-api/api-concepts/ and
k8s.io/apimachinery/pkg/api/errors for the exact wording reproduced here.
"""

from __future__ import annotations


class ApiError(Exception):
    """A failed API request. ``status`` is the Kubernetes Status object."""

    def __init__(self, code: int, reason: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}

    @property
    def status(self) -> dict:
        status = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            status["details"] = self.details
        return status

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"ApiError({self.code}, {self.reason!r}, {self.message!r})"


def _qualified(resource: str, group: str) -> str:
    return f"{resource}.{group}" if group else resource


def not_found(resource: str, name: str, group: str = "") -> ApiError:
    res = _qualified(resource, group)
    return ApiError(404, "NotFound", f'{res} "{name}" not found',
                    {"name": name, "group": group, "kind": resource})


def already_exists(resource: str, name: str, group: str = "") -> ApiError:
    res = _qualified(resource, group)
    return ApiError(409, "AlreadyExists", f'{res} "{name}" already exists',
                    {"name": name, "group": group, "kind": resource})


def conflict(resource: str, name: str, group: str = "") -> ApiError:
    res = _qualified(resource, group)
    return ApiError(
        409, "Conflict",
        f'Operation cannot be fulfilled on {res} "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again",
        {"name": name, "group": group, "kind": resource})


def conflict_message(resource: str, name: str, message: str, group: str = "") -> ApiError:
    res = _qualified(resource, group)
    return ApiError(409, "Conflict", f'Operation cannot be fulfilled on {res} "{name}": {message}',
                    {"name": name, "group": group, "kind": resource})


def invalid(kind: str, name: str, causes: list[tuple[str, str, str]], group: str = "") -> ApiError:
    """A 422 Invalid error. ``causes`` are (field, reason-type, message) triples.

    The message is Kubernetes' own: ``The Deployment "web" is invalid: spec.selector:
    Required value`` for one cause, a bracketed list for several.
    """
    parts = [f"{field}: {msg}" if field else msg for field, _typ, msg in causes]
    if len(parts) == 1:
        detail = parts[0]
    else:
        detail = "[" + ", ".join(parts) + "]"
    message = f'{kind} "{name}" is invalid: {detail}' if kind else detail
    message = "The " + message
    return ApiError(422, "Invalid", message, {
        "name": name, "group": group, "kind": kind,
        "causes": [{"reason": typ, "message": msg, "field": field} for field, typ, msg in causes],
    })


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BadRequest", message)


def forbidden(message: str) -> ApiError:
    return ApiError(403, "Forbidden", message)


def method_not_allowed(message: str) -> ApiError:
    return ApiError(405, "MethodNotAllowed", message)


def gone(message: str) -> ApiError:
    return ApiError(410, "Expired", message)


def unavailable(message: str) -> ApiError:
    return ApiError(503, "ServiceUnavailable", message)


def internal(message: str) -> ApiError:
    return ApiError(500, "InternalError", message)


def invalid_options(kind: str, causes: list[tuple[str, str, str]]) -> ApiError:
    """A 422 about a request's options (``CreateOptions``, ``DeleteOptions``...), as
    ``errors.NewInvalid(schema.GroupKind{Group: "meta.k8s.io", Kind: kind}, "", errs)`` words it:
    ``DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: ...``."""
    parts = [f"{field}: {msg}" if field else msg for field, _typ, msg in causes]
    detail = parts[0] if len(parts) == 1 else "[" + ", ".join(parts) + "]"
    return ApiError(422, "Invalid", f'{kind}.meta.k8s.io "" is invalid: {detail}', {
        "group": "meta.k8s.io", "kind": kind,
        "causes": [{"reason": typ, "message": msg, "field": field} for field, typ, msg in causes],
    })


def request_entity_too_large(message: str) -> ApiError:
    """413, as ``errors.NewRequestEntityTooLargeError`` words it."""
    return ApiError(413, "RequestEntityTooLarge", f"Request entity too large: {message}")


def unsupported_media_type(message: str) -> ApiError:
    return ApiError(415, "UnsupportedMediaType", message)


def not_acceptable(message: str) -> ApiError:
    return ApiError(406, "NotAcceptable", message)
