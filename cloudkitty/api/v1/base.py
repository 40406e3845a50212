"""Pieces shared by every v1 controller (also the hashmap/pyscripts ones).

* :func:`wsexpose`: expose a method with a WSME signature. Arguments are taken
  from the path, the query string and the JSON body (even on GET/DELETE); a
  WSME validation error or a ``CloudKittyError`` becomes the WSME fault body
  ``{"faultcode", "faultstring", "debuginfo": null}`` with the error's status.
  ``pecan.abort`` still produces the pecan error body.
* Types: :data:`Decimal` (exact, emitted as a string) and :data:`Datetime`
  (lenient parsing, naive UTC, emitted without a timezone).
* :func:`created`: return ``created(obj, new_id)`` for 201 + ``Location``;
  :func:`redirect_to_self`: the 302 of v1 updates.
* :func:`enforce_module_config`: the ``rating:module_config`` check, with the
  pecan-shaped 403.

Importing this module makes WSME parse boolean query parameters strictly
(``true/false/1/0`` in any case) instead of ``bool(str)``.
"""
from __future__ import annotations

import datetime
import decimal
import functools
import inspect
import json
import sys

import pecan
import wsme
import wsme.api
import wsme.exc
import wsme.rest.args
import wsme.types
import wsmeext.pecan  # noqa: F401  (registers the "wsmejson" renderer)
from dateutil import parser as date_parser
from oslo_log import log as logging
from webob import exc as webob_exc
from wsme import types as wtypes

from cloudkitty.api import acl, api_time, text
from cloudkitty.common import exception, policy

LOG = logging.getLogger(__name__)

_TRUE = frozenset(('true', '1', 'yes', 'on', 't', 'y'))
_FALSE = frozenset(('false', '0', 'no', 'off', 'f', 'n'))


@wsme.rest.args.from_param.when_object(bool)
def _bool_from_param(datatype, value):
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError('Value not an unambiguous boolean: %s' % value)


class DecimalType(wtypes.UserType):
    """A Decimal read exactly from JSON numbers or strings, written as a string."""

    basetype = wtypes.text
    name = 'decimal'

    def frombasetype(self, value):
        if value is None or isinstance(value, decimal.Decimal):
            return value
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError('Invalid decimal value: %r' % (value,))
        try:
            result = decimal.Decimal(str(value).strip())
        except decimal.InvalidOperation:
            raise ValueError('Invalid decimal value: %r' % (value,)) from None
        if not result.is_finite():
            raise ValueError('Invalid decimal value: %r' % (value,))
        return result

    def validate(self, value):
        return self.frombasetype(value)

    def tobasetype(self, value):
        return None if value is None else str(value)


class DatetimeType(wtypes.UserType):
    """A datetime parsed leniently (``2015-01-01``, ``...T..``, ``... ..+00:00``).

    Stored and emitted as naive UTC ISO-8601 (microseconds only when non-zero).
    """

    basetype = wtypes.text
    name = 'datetime'

    def frombasetype(self, value):
        if value is None:
            return None
        if isinstance(value, datetime.datetime):
            parsed = value
        elif isinstance(value, str):
            try:
                parsed = date_parser.parse(value)
            except (ValueError, OverflowError) as error:
                raise ValueError(str(error)) from None
        else:
            raise ValueError('Invalid datetime value: %r' % (value,))
        return api_time.in_supported_range(parsed)

    def validate(self, value):
        return self.frombasetype(value)

    def tobasetype(self, value):
        return None if value is None else value.isoformat()


Decimal = DecimalType()
Datetime = DatetimeType()


def _check_text(args, kwargs) -> None:
    """400 for text no database takes, wherever it comes from (path, query, body)."""
    request = pecan.request
    inputs: list = [list(args), kwargs, list(request.params.items())]
    if request.body:
        try:
            inputs.append(json.loads(request.body))
        except ValueError:
            pass  # not JSON: WSME answers 400 for it
        except RecursionError:
            raise wsme.exc.ClientSideError('Invalid input: the JSON body nests too '
                                           'deeply.') from None
    reason = text.unstorable(inputs)
    if reason:
        raise wsme.exc.ClientSideError('Invalid input: %s.' % reason)


def _parse_arguments(funcdef, args, kwargs):
    """WSME's argument merging (path, query, body), with every bad input a 400."""
    request = pecan.request
    try:
        _check_text(args, kwargs)
        return wsme.rest.args.get_args(funcdef, args, kwargs, request.params, None,
                                       request.body, request.content_type)
    except wsme.exc.ClientSideError:
        raise
    except (TypeError, ValueError, ArithmeticError, AttributeError,
            UnicodeDecodeError) as error:
        raise wsme.exc.ClientSideError('Invalid input: %s' % error) from None


def fault(error: Exception) -> tuple[int, dict]:
    """The status and WSME fault body of an error raised by an endpoint."""
    if isinstance(error, wsme.exc.ClientSideError):
        status, message = error.code, error.faultstring
    elif isinstance(error, exception.CloudKittyError):
        status, message = error.code, error.message
    else:
        LOG.error('Unexpected API error', exc_info=sys.exc_info())
        status, message = 500, 'Internal Server Error'
    if not isinstance(status, int) or not 400 <= status < 600:
        status = 500
    faultcode = 'Client' if status < 500 else 'Server'
    return status, {'faultcode': faultcode, 'faultstring': message, 'debuginfo': None}


def wsexpose(*signature, **options):
    """Expose a controller method with a WSME signature (see the module docstring).

    ``status_code`` sets the success status; an endpoint may also return a
    :class:`wsme.api.Response` to choose it per call.
    """
    sign = wsme.signature(*signature, **options)

    def decorate(function):
        sign(function)
        funcdef = wsme.api.FunctionDefinition.get(function)
        funcdef.resolve_types(wsme.types.registry)

        @functools.wraps(function)
        def endpoint(self, *args, **kwargs):
            try:
                args, kwargs = _parse_arguments(funcdef, args, kwargs)
                result = function(self, *args, **kwargs)
            except webob_exc.HTTPException:
                raise
            except Exception as error:
                status, body = fault(error)
                pecan.response.status = status
                return body
            status, return_type = funcdef.status_code, funcdef.return_type
            if isinstance(result, wsme.api.Response):
                status = result.status_code
                if not isinstance(result.return_type, wsme.types.UnsetType):
                    return_type = result.return_type
                result = result.obj
            pecan.response.status = status
            if status == 204 or return_type is None:
                pecan.request.pecan['content_type'] = None
                pecan.response.content_type = None
                return ''
            return {'datatype': return_type, 'result': result}

        pecan.expose(template='wsmejson:', content_type='application/json',
                     generic=False)(endpoint)
        pecan.util._cfg(endpoint)['argspec'] = inspect.getfullargspec(function)
        endpoint._wsme_definition = funcdef
        return endpoint

    return decorate


def created(result, resource_id: str) -> wsme.api.Response:
    """201 with ``result``; ``Location`` = request URL (+ ``/`` if missing) + id."""
    url = pecan.request.path_url
    if not url.endswith('/'):
        url += '/'
    pecan.response.location = url + str(resource_id)
    return wsme.api.Response(result, status_code=201)


def redirect_to_self() -> wsme.api.Response:
    """The 302 answer of v1 updates: ``Location`` is the request URL, no body."""
    pecan.response.location = pecan.request.url
    return wsme.api.Response(None, status_code=302)


def enforce_module_config() -> None:
    """``rating:module_config`` with the pecan-shaped 403 of module config routes."""
    try:
        acl.enforce('rating:module_config')
    except policy.PolicyNotAuthorized as error:
        pecan.abort(403, error.message)


class JsonType(wtypes.UserType):
    """Any JSON value, passed through unchanged (e.g. a quote's ``desc``)."""

    basetype = wtypes.text
    name = 'json'

    def frombasetype(self, value):
        return value

    def validate(self, value):
        return value


Json = JsonType()
