"""``GET /v2/summary``: aggregated rated data (contract §2.2)."""
from __future__ import annotations

import pecan
import voluptuous as vol
from pecan import rest

from cloudkitty.api import acl
from cloudkitty.api.v2 import base

#: Calendar groupby shortcuts understood by every storage backend.
TIME_GROUPBY = ('time', 'time-d', 'time-w', 'time-m', 'time-y')
FORMATS = ('table', 'object')


def _groupby(values: list[str]) -> list[str]:
    keys = base.multi(values)
    for key in keys:
        if key.startswith('time-') and key not in TIME_GROUPBY:
            raise base.BadRequest('Invalid groupby time option. There is no groupby '
                                  'processing for [%s].' % key)
    return keys


QUERY = {
    vol.Optional('offset'): base.OFFSET,
    vol.Optional('limit'): base.LIMIT,
    vol.Optional('begin'): base.DATETIME,
    vol.Optional('end'): base.DATETIME,
    vol.Optional('groupby'): _groupby,
    vol.Optional('filters'): base.dict_multi,
    vol.Optional('custom_fields'): base.single,
    vol.Optional('response_format'): vol.All(base.single, vol.In(FORMATS)),
}


def split_filters(filters: dict, scope_key: str) -> tuple[dict, list | None]:
    """(attribute filters, metric types): ``type`` selects metric types.

    A non-admin caller is forced to their project whatever they asked (§8.3).
    """
    filters = dict(filters)
    metric_types = filters.pop('type', None)
    forced = acl.forced_project()
    if forced is not None:
        filters[scope_key] = forced
    return filters, metric_types


def columns_of(row: dict) -> list[str]:
    """``begin``, ``end``, then the row's other keys in their order."""
    return ['begin', 'end'] + [key for key in row if key not in ('begin', 'end')]


class SummaryController(rest.RestController):

    @base.endpoint
    def get_all(self):
        acl.enforce('summary:get_summary')
        params = base.query(QUERY)
        begin, end = base.window(params)
        request = pecan.request
        response_format = params.get('response_format', 'table')
        if acl.forced_project() == '':
            return base.reply({'total': 0, 'columns': [], 'results': []})
        filters, metric_types = split_filters(params.get('filters', {}),
                                              request.conf.collect.scope_key)
        totals = request.storage.total(
            groupby=params.get('groupby'),
            begin=begin, end=end,
            metric_types=metric_types, filters=filters,
            custom_fields=params.get('custom_fields'),
            offset=params['offset'], limit=params['limit'])
        rows = totals['results']
        if response_format == 'object':
            return base.reply({'total': totals['total'], 'results': rows,
                               'format': 'object'})
        columns = columns_of(rows[0]) if rows else []
        return base.reply({'total': totals['total'], 'columns': columns,
                           'results': [[row.get(column) for column in columns]
                                       for row in rows],
                           'format': 'table'})
