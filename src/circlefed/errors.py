"""Root: the error hierarchy; one middleware maps these to HTTP statuses."""


class CirclefedError(Exception):
    """Base of every error circlefed raises on purpose; carries an HTTP status and a public message."""

    status = 500
    public_message = "Something went wrong on our side."

    def __init__(self, message: str | None = None, *, status: int | None = None) -> None:
        super().__init__(message or self.public_message)
        if status is not None:
            self.status = status

    @property
    def message(self) -> str:
        return str(self)


class BadRequest(CirclefedError):
    status = 400
    public_message = "The request was not understood."


class NotAuthenticated(CirclefedError):
    status = 401
    public_message = "Authentication is required."


class Forbidden(CirclefedError):
    status = 403
    public_message = "You are not allowed to do that."


class NotFound(CirclefedError):
    status = 404
    public_message = "Nothing was found here."


class Conflict(CirclefedError):
    status = 409
    public_message = "That conflicts with something that already exists."


class PayloadTooLarge(CirclefedError):
    status = 413
    public_message = "The request body is too large."


class TooManyRequests(CirclefedError):
    status = 429
    public_message = "Too many requests; please slow down."

    def __init__(self, message: str | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds, sent as Retry-After


class ConfigError(CirclefedError):
    """A setting is missing, unknown or of the wrong type; the message names the key."""


class DatabaseUnavailable(CirclefedError):
    status = 503
    public_message = "The database cannot be reached."


class SignatureError(CirclefedError):
    """An HTTP signature is missing, malformed or does not verify (always answered 401)."""

    status = 401
    public_message = "The request signature could not be verified."


class KeyRejected(SignatureError):
    """A public key is of a type or size circlefed refuses."""


class UnsafeUrlError(CirclefedError):
    """An outbound URL points where the SSRF guard forbids (private address, bad scheme, IP literal)."""

    status = 400
    public_message = "That address cannot be fetched."


class FetchError(CirclefedError):
    """An outbound request failed: network error, timeout, bad status or oversized response."""

    status = 502
    public_message = "A remote server could not be reached."
