"""Wire conventions of v2 (contract §0.3), shared by every v2 controller.

* Errors are ``{"message": ...}``; a policy denial is a 403 with a fixed text;
  validation errors read ``Invalid data <input> : <reason> (path: '<path>')``.
* Query strings: multi-valued parameters accept repetition and commas,
  ``key:value`` dict parameters, unknown keys give 400.
* Output: Decimals as JSON numbers, datetimes as ISO-8601 with an offset.
"""
from __future__ import annotations

import copy
import datetime
import decimal
import functools
import inspect
import json
from collections.abc import Callable
from typing import Any

import pecan
import voluptuous as vol
import webob
from dateutil import parser as date_parser
from oslo_log import log as logging
from webob import exc as webob_exc

from cloudkitty.api import api_time, text
from cloudkitty.common import exception, policy, tz

LOG = logging.getLogger(__name__)

FORBIDDEN_MESSAGE = 'You are not authorized to perform this action'
MAX_OFFSET = 2 ** 31 - 1
MAX_LIMIT = 1_000_000
DEFAULT_LIMIT = 100
#: Values a multi-valued parameter takes: each becomes a bound query
#: parameter, and databases cap those (SQLite at 32766 per statement).
MAX_VALUES = 1000
#: Characters of the input echoed in a validation message.
MAX_ECHO = 200


class BadRequest(exception.Invalid):
    """A 400 whose message is shown as is."""


def _default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.datetime):
        return tz.to_aware_utc(value).replace(microsecond=0).isoformat()
    raise TypeError('%r is not JSON serializable' % (value,))


def reply(body: Any = None, status: int = 200) -> webob.Response:
    """A v2 JSON response; ``body=None`` gives an empty body (204)."""
    response = webob.Response(status=status)
    if body is None:
        response.content_type = None
        response.body = b''
    else:
        response.content_type = 'application/json'
        response.text = json.dumps(body, default=_default)
    return response


def error_reply(error: Exception) -> webob.Response:
    if isinstance(error, policy.PolicyNotAuthorized):
        return reply({'message': FORBIDDEN_MESSAGE}, 403)
    if isinstance(error, exception.CloudKittyError) and 400 <= error.code < 600:
        return reply({'message': error.message}, error.code)
    LOG.error('Unexpected error on %s %s', pecan.request.method,
              pecan.request.path_info, exc_info=True)
    return reply({'message': 'Internal Server Error'}, 500)


def endpoint(function: Callable[..., webob.Response]):
    """Expose a v2 handler: its errors become ``{"message"}`` answers."""

    @functools.wraps(function)
    def wrapper(self, *args, **kwargs):
        try:
            _check_text([list(args), kwargs, list(pecan.request.GET.items())])
            return function(self, *args, **kwargs)
        except webob_exc.HTTPException:
            raise
        except Exception as error:
            return error_reply(error)

    exposed = pecan.expose()(wrapper)
    # pecan passes request parameters by the handler's own signature.
    pecan.util._cfg(exposed)['argspec'] = inspect.getfullargspec(function)
    return exposed


def invalid_data(data: Any, error: vol.Invalid) -> BadRequest:
    message = error.msg
    if isinstance(error, vol.MultipleInvalid):
        message = error.errors[0].msg
        error = error.errors[0]
    echoed = str(data)
    if len(echoed) > MAX_ECHO:
        echoed = echoed[:MAX_ECHO] + '...'
    return BadRequest("Invalid data '%s' : %s (path: '%s')"
                      % (echoed, message, list(error.path)))


#: id of a schema dict -> (the dict, kept alive so its id stays its own; compiled).
_COMPILED: dict[int, tuple[dict, vol.Schema]] = {}


def compiled(schema: dict) -> vol.Schema:
    """``schema`` compiled once, unknown keys refused.

    voluptuous compiles ``All``/``Any`` by rewriting their state in place, so
    compiling a schema while another thread runs a validator it shares (e.g.
    ``LIMIT``) can run it with no sub-validators at all: the raw query value
    got through under load. Each schema is compiled once, on its own deep
    copy of the validators, and the compiled object is only read afterwards.
    """
    entry = _COMPILED.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = _COMPILED[id(schema)] = (
            schema, vol.Schema(copy.deepcopy(schema), extra=vol.PREVENT_EXTRA))
    return entry[1]


def validate(schema: vol.Schema, data: Any) -> dict[str, Any]:
    try:
        return schema(data)
    except vol.Invalid as error:
        raise invalid_data(data, error) from None


# --- value converters (raise vol.Invalid / ValueError with a clear reason) ---

def single(values: list[str]) -> str:
    """A query parameter that may be given once."""
    if len(values) != 1:
        raise vol.Invalid('expected a single value')
    return values[0]


def multi(values: list[str] | str) -> list[str]:
    """Repetition and commas: ``a&a=b,c`` gives ``[a, b, c]``."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise vol.Invalid('expected a string or a list of strings')
    items = [item.strip() for value in values for item in value.split(',')
             if item.strip()]
    if len(items) > MAX_VALUES:
        raise vol.Invalid('%d values given, at most %d are accepted'
                          % (len(items), MAX_VALUES))
    return items


def _pairs(values: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for token in multi(values):
        key, sep, value = token.partition(':')
        if not sep or not key:
            raise vol.Invalid('expected key:value, got %s' % token)
        pairs.append((key, value))
    return pairs


def dict_multi(values: list[str]) -> dict[str, list[str]]:
    """``key:value`` tokens; a repeated key gathers its values (OR)."""
    result: dict[str, list[str]] = {}
    for key, value in _pairs(values):
        result.setdefault(key, []).append(value)
    return result


def dict_single(values: list[str]) -> dict[str, str]:
    """``key:value`` tokens; a repeated key is an error."""
    result: dict[str, str] = {}
    for key, value in _pairs(values):
        if key in result:
            raise vol.Invalid('key %s already provided' % key)
        result[key] = value
    return result


def to_datetime(value: Any) -> datetime.datetime:
    """ISO-8601 (a missing timezone means UTC) to naive UTC, microseconds dropped."""
    if not isinstance(value, str):
        raise vol.Invalid('expected a datetime string')
    try:
        try:
            parsed = date_parser.isoparse(value.strip())
        except ValueError:
            parsed = date_parser.parse(value)
    except (ValueError, OverflowError):
        raise vol.Invalid('not a valid datetime: %s' % value) from None
    try:
        return api_time.in_supported_range(parsed).replace(microsecond=0)
    except ValueError as error:
        raise vol.Invalid('%s: %s' % (error, value)) from None


def to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise vol.Invalid('expected int')
    try:
        return int(value)
    except (TypeError, ValueError):
        raise vol.Invalid('expected int') from None


def strict(kind: type) -> Callable[[Any], Any]:
    """A JSON value of exactly ``kind`` (booleans are not ints), or None."""

    def check(value: Any) -> Any:
        if value is None or (type(value) is kind):
            return value
        raise vol.Invalid('expected %s' % kind.__name__)

    return check


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ('true', '1', 'yes'):
        return True
    if text in ('false', '0', 'no'):
        return False
    raise vol.Invalid('expected boolean')


OFFSET = vol.All(single, to_int, vol.Range(min=0, max=MAX_OFFSET))
LIMIT = vol.All(single, to_int, vol.Range(min=1, max=MAX_LIMIT))
DATETIME = vol.All(single, to_datetime)


def query(schema: dict) -> dict[str, Any]:
    """Validate the query string against ``schema`` (values are lists of strings)."""
    # One pass: getall() per key would be quadratic in a repeated parameter.
    data: dict[str, list[str]] = {}
    for key, value in pecan.request.GET.items():
        data.setdefault(key, []).append(value)
    result = validate(compiled(schema), data)
    result.setdefault('offset', 0)
    result.setdefault('limit', DEFAULT_LIMIT)
    return result


def window(params: dict[str, Any]) -> tuple[datetime.datetime, datetime.datetime]:
    """The ``begin``/``end`` of a query, defaulting to the current month.

    400 when begin is after end: such a window holds nothing, and asking for
    it is a client mistake worth saying.
    """
    begin = params.get('begin') or tz.month_start()
    end = params.get('end') or tz.next_month_start()
    if begin > end:
        raise BadRequest('begin (%s) must not be after end (%s).'
                         % (_default(begin), _default(end)))
    return begin, end


def json_body() -> Any:
    """The decoded JSON request body; 400 when absent or not JSON."""
    raw = pecan.request.body
    if not raw:
        raise BadRequest('A JSON body is required.')
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadRequest('The request body is not valid JSON.') from None
    _check_text(data)
    return data


def _check_text(data: Any) -> None:
    reason = text.unstorable(data)
    if reason:
        raise BadRequest('Invalid input: %s.' % reason)


def body(schema: dict) -> dict[str, Any]:
    """Validate the JSON object body against ``schema``; unknown keys give 400."""
    data = json_body()
    if not isinstance(data, dict):
        raise BadRequest('The request body must be a JSON object.')
    return validate(compiled(schema), data)


def not_found_reply() -> webob.Response:
    return reply({'message': exception.ScopeNotFound().message}, 404)

