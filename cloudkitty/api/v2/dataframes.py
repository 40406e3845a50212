"""``/v2/dataframes``: read and add rated data (contract §2.3)."""
from __future__ import annotations

import pecan
import voluptuous as vol
from pecan import rest

from cloudkitty.api import acl
from cloudkitty.api.v2 import base, summary
from cloudkitty.common import tz
from cloudkitty.dataframe import DataFrame

QUERY = {
    vol.Optional('offset'): base.OFFSET,
    vol.Optional('limit'): base.LIMIT,
    vol.Optional('begin'): base.DATETIME,
    vol.Optional('end'): base.DATETIME,
    vol.Optional('filters'): base.dict_single,
}


def _frame(data) -> DataFrame:
    try:
        return DataFrame.from_dict(data)
    except (ValueError, TypeError, ArithmeticError) as error:
        raise vol.Invalid('not a valid value: %s' % error) from None


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
        request = pecan.request
        if acl.forced_project() == '':
            return base.reply({'total': 0, 'dataframes': []})
        filters, metric_types = summary.split_filters(params.get('filters', {}),
                                                      request.conf.collect.scope_key)
        retrieved = request.storage.retrieve(
            begin=params.get('begin') or tz.month_start(),
            end=params.get('end') or tz.next_month_start(),
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
        data = base.validate(vol.Schema(BODY, extra=vol.PREVENT_EXTRA), raw)
        pecan.request.storage.push(data['dataframes'])
        return base.reply(None, 204)
