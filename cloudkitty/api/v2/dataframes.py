"""``/v2/dataframes``: read and add rated data (contract §2.3)."""
from __future__ import annotations

import pecan
import voluptuous as vol
from pecan import rest

from cloudkitty.api import acl, api_time
from cloudkitty.api.v2 import base, summary
from cloudkitty.dataframe import DataFrame
from cloudkitty.storage import sqltypes

#: Largest amounts a stored point holds (integer digits of the SQL columns).
MAX_QTY = 10 ** (sqltypes.QTY_PRECISION - sqltypes.QTY_SCALE)
MAX_PRICE = 10 ** (sqltypes.PRICE_PRECISION - sqltypes.PRICE_SCALE)
#: Length of the storage's text columns (metric type, unit, scope).
MAX_TEXT = 255

QUERY = {
    vol.Optional('offset'): base.OFFSET,
    vol.Optional('limit'): base.LIMIT,
    vol.Optional('begin'): base.DATETIME,
    vol.Optional('end'): base.DATETIME,
    vol.Optional('filters'): base.dict_single,
}


def _check_storable(frame: DataFrame, scope_key: str) -> None:
    """ValueError for what no storage backend can hold, before anything is written."""
    api_time.in_supported_range(frame.start)
    api_time.in_supported_range(frame.end)
    for metric_type, point in frame.iterpoints():
        if len(metric_type) > MAX_TEXT or len(point.unit) > MAX_TEXT:
            raise ValueError('metric types and units are at most %d characters' % MAX_TEXT)
        scope = point.groupby.get(scope_key, point.metadata.get(scope_key))
        if scope is not None and len(str(scope)) > MAX_TEXT:
            raise ValueError('%s is at most %d characters' % (scope_key, MAX_TEXT))
        if abs(point.qty) >= MAX_QTY or abs(point.price) >= MAX_PRICE:
            raise ValueError('qty must be below 1e%d and price below 1e%d in absolute value'
                             % (len(str(MAX_QTY)) - 1, len(str(MAX_PRICE)) - 1))


def _frame(data) -> DataFrame:
    try:
        frame = DataFrame.from_dict(data)
        _check_storable(frame, pecan.request.conf.collect.scope_key)
    except (ValueError, TypeError, ArithmeticError) as error:
        raise vol.Invalid('not a valid value: %s' % error) from None
    return frame


BODY = {vol.Required('dataframes'): [_frame]}


def _frame_json(frame: DataFrame) -> dict:
    """The v2 wire form; the point description is not emitted."""
    return {
        'period': {'begin': frame.start, 'end': frame.end},
        'usage': {metric_type: [{'vol': {'unit': point.unit, 'qty': point.qty},
                                 'rating': {'price': point.price},
                                 'groupby': dict(point.groupby),
                                 'metadata': dict(point.metadata)}
                                for point in points]
                  for metric_type, points in frame.itertypes()},
    }


class DataFramesController(rest.RestController):

    @base.endpoint
    def get_all(self):
        acl.enforce('dataframes:get')
        params = base.query(QUERY)
        begin, end = base.window(params)
        request = pecan.request
        if acl.forced_project() == '':
            return base.reply({'total': 0, 'dataframes': []})
        filters, metric_types = summary.split_filters(params.get('filters', {}),
                                                      request.conf.collect.scope_key)
        retrieved = request.storage.retrieve(
            begin=begin, end=end,
            filters=filters, metric_types=metric_types,
            offset=params['offset'], limit=params['limit'])
        if retrieved['total'] < 1:
            return base.not_found_reply()
        return base.reply({'total': retrieved['total'],
                           'dataframes': [_frame_json(frame)
                                          for frame in retrieved['dataframes']]})

    @base.endpoint
    def post(self):
        acl.enforce('dataframes:add')
        raw = base.json_body()
        if isinstance(raw, dict) and raw.get('dataframes') == []:
            raise base.BadRequest('Parameter dataframes must not be empty.')
        if not isinstance(raw, dict):
            raise base.BadRequest('The request body must be a JSON object.')
        data = base.validate(base.compiled(BODY), raw)
        pecan.request.storage.push(data['dataframes'])
        return base.reply(None, 204)
