"""``/v2/scope``: scope states — list, reset, patch, create (contract §2.1)."""
from __future__ import annotations

import pecan
import voluptuous as vol
from pecan import rest

from cloudkitty.api import acl, processors
from cloudkitty.api.v2 import base
from cloudkitty.db import scope_state

_STRINGS = vol.Any(str, [str])


def _active_values(values: list[str]) -> list[int]:
    result = []
    for value in base.multi(values):
        number = base.to_int(value)
        if number not in (0, 1):
            raise vol.Invalid('expected 0 or 1')
        result.append(number)
    return result


LIST_QUERY = {
    vol.Optional('offset'): base.OFFSET,
    vol.Optional('limit'): base.LIMIT,
    vol.Optional('scope_id'): base.multi,
    vol.Optional('scope_key'): base.multi,
    vol.Optional('fetcher'): base.multi,
    vol.Optional('collector'): base.multi,
    vol.Optional('active'): _active_values,
}

RESET_BODY = {
    vol.Exclusive('all_scopes', 'scope_selector'): base.to_bool,
    vol.Exclusive('scope_id', 'scope_selector'): vol.All(_STRINGS, base.multi),
    vol.Optional('scope_key'): vol.All(_STRINGS, base.multi),
    vol.Optional('fetcher'): vol.All(_STRINGS, base.multi),
    vol.Optional('collector'): vol.All(_STRINGS, base.multi),
    vol.Optional('last_processed_timestamp'): base.to_datetime,
    # Alias sent by python-cloudkittyclient's "scope state reset" (§12.1).
    vol.Optional('state'): base.to_datetime,
}

# Column sizes of cloudkitty_storage_states.
_IDENTIFIER = vol.All(str, vol.Length(min=1, max=256))
_SHORT = vol.Any(None, vol.All(str, vol.Length(max=40)))

PATCH_BODY = {
    vol.Required('scope_id'): _IDENTIFIER,
    vol.Optional('scope_key'): _SHORT,
    vol.Optional('fetcher'): _SHORT,
    vol.Optional('collector'): _SHORT,
    vol.Optional('active'): vol.Any(None, base.to_bool),
}

POST_BODY = {
    vol.Required('scope_id'): _IDENTIFIER,
    vol.Required('last_processed_timestamp'): base.to_datetime,
    vol.Optional('scope_key'): _SHORT,
    vol.Optional('fetcher'): _SHORT,
    vol.Optional('collector'): _SHORT,
    vol.Optional('active'): base.to_bool,
}


def _scope_reference(state) -> dict:
    return {'scope_id': state.identifier, 'scope_key': state.scope_key,
            'fetcher': state.fetcher, 'collector': state.collector}


class ScopeController(rest.RestController):

    @base.endpoint
    def get_all(self):
        acl.enforce('scope:get_state')
        params = base.query(LIST_QUERY)
        with pecan.request.db.session() as session:
            states = scope_state.list_states(
                session, params.get('scope_id'), params.get('scope_key'),
                params.get('fetcher'), params.get('collector'), params.get('active'),
                offset=params['offset'], limit=params['limit'])
            results = [scope_state.as_dict(state) for state in states]
        if not results:
            return base.not_found_reply()
        return base.reply({'results': results})

    @base.endpoint
    def put(self):
        """Reset: the processors delete data from the timestamp on (202)."""
        acl.enforce('scope:reset_state')
        data = base.body(RESET_BODY)
        if not data.get('all_scopes') and not data.get('scope_id'):
            raise base.BadRequest('Either all_scopes or a scope_id should be specified.')
        timestamp = data.get('last_processed_timestamp') or data.get('state')
        if timestamp is None:
            raise base.BadRequest(
                "Variable 'last_processed_timestamp' cannot be empty/None.")
        with pecan.request.db.session() as session:
            states = scope_state.select_for_reset(
                session, None if data.get('all_scopes') else data['scope_id'],
                data.get('scope_key'), data.get('fetcher'), data.get('collector'))
            scopes = [_scope_reference(state) for state in states]
        processors.rpc_client().reset_state(scopes, timestamp)
        return base.reply({}, 202)

    @base.endpoint
    def patch(self):
        acl.enforce('scope:patch_state')
        data = base.body(PATCH_BODY)
        with pecan.request.db.session() as session:
            state = scope_state.patch_state(
                session, data['scope_id'], data.get('scope_key'), data.get('fetcher'),
                data.get('collector'), data.get('active'))
            return base.reply(scope_state.as_dict(state))

    @base.endpoint
    def post(self):
        """Create a scope; missing scope_key/fetcher/collector come from config."""
        acl.enforce('scope:post_state')
        data = base.body(POST_BODY)
        conf = pecan.request.conf
        scope = scope_state.ScopeKey(
            data['scope_id'], data.get('scope_key') or conf.collect.scope_key,
            data.get('collector') or conf.collect.collector,
            data.get('fetcher') or conf.fetcher.backend)
        with pecan.request.db.session() as session:
            state = scope_state.create_state(session, scope,
                                             data['last_processed_timestamp'],
                                             active=data.get('active', True))
            return base.reply(scope_state.as_dict(state))

