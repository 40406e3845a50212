"""Domain errors. Each one carries its message format and HTTP status code.

The API turns them into the wire error shapes (WSME fault for v1, ``{"message"}``
for v2); nothing below the API knows about HTTP beyond this ``code``.
"""


class CloudKittyError(Exception):
    """Base of every domain error."""

    _msg_fmt = 'An unknown error occurred.'
    code = 500

    def __init__(self, message: str | None = None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            message = self._msg_fmt % kwargs if kwargs else self._msg_fmt
        self.message = message
        super().__init__(message)


class Invalid(CloudKittyError):
    _msg_fmt = 'Invalid input.'
    code = 400


class NotFound(CloudKittyError):
    _msg_fmt = 'Resource not found.'
    code = 404


class Conflict(CloudKittyError):
    _msg_fmt = 'Resource already exists.'
    code = 409


class ConfigurationError(CloudKittyError):
    """A configuration value that makes the service unable to start."""

    _msg_fmt = 'Invalid configuration: %(reason)s'


class InvalidMetricsConfig(ConfigurationError):
    _msg_fmt = 'Invalid metrics configuration %(path)s: %(reason)s'


class DatabaseUnavailable(CloudKittyError):
    """The database server cannot be reached right now (down, restarting).

    Transient: the next request reconnects by itself. The message names no
    host, user or password; the driver's own words go to the log only.
    """

    _msg_fmt = 'The database is unavailable: %(reason)s. Retry later.'
    code = 503


class DatabaseBusy(DatabaseUnavailable):
    """Every pooled connection stayed in use for ``[database] pool_timeout``."""

    _msg_fmt = ('The database is busy: no connection became free within %(timeout)s s. '
                'Retry later.')


class ModuleNotFound(NotFound):
    _msg_fmt = 'Module not found.'


class NoDataCollected(CloudKittyError):
    """A collector found no usage for a metric in a period (not an error)."""

    _msg_fmt = 'Collector %(collector)s returned no data for %(metric)s'


class CollectError(CloudKittyError):
    """A collector failed; the scope's period is retried later."""

    _msg_fmt = 'Collection failed: %(reason)s'


class RatingError(CloudKittyError):
    """A rating module could not rate a frame (e.g. a failing script)."""

    _msg_fmt = 'Rating failed in module %(module)s: %(reason)s'


class ScopeNotFound(NotFound):
    _msg_fmt = 'No resource found for provided filters.'
