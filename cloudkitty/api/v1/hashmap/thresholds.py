"""``…/hashmap/thresholds``: no dates, no soft delete (contract §1.4)."""
from __future__ import annotations

import wsme.exc
from pecan import rest
from wsme import types as wtypes

from cloudkitty.api.v1 import base
from cloudkitty.api.v1.hashmap import types
from cloudkitty.api.v1.hashmap.common import rules
from cloudkitty.db import hashmap


class ThresholdsController(rest.RestController):
    _custom_actions = {'group': ['GET']}

    @base.wsexpose(types.Group, wtypes.text)
    def group(self, threshold_id):
        """``GET …/thresholds/{id}/group`` or ``…/thresholds/group?threshold_id=``."""
        return types.Group.from_record(rules().get_threshold_group(threshold_id))

    @base.wsexpose(types.ThresholdCollection, wtypes.text, wtypes.text, wtypes.text,
                   bool, wtypes.text, bool)
    def get_all(self, service_id=None, field_id=None, group_id=None, no_group=False,
                tenant_id=None, filter_tenant=False):
        """Thresholds of a service, field or group; without one, 400 (§12.6)."""
        thresholds = rules().list_thresholds(hashmap.RuleFilters(
            service_id=service_id, field_id=field_id, group_id=group_id,
            no_group=bool(no_group), tenant_id=tenant_id,
            filter_tenant=bool(filter_tenant)))
        return types.ThresholdCollection(
            thresholds=[types.Threshold.from_record(item) for item in thresholds])

    @base.wsexpose(types.Threshold, wtypes.text)
    def get_one(self, threshold_id):
        return types.Threshold.from_record(rules().get_threshold(threshold_id))

    @base.wsexpose(types.Threshold, body=types.Threshold, status_code=201)
    def post(self, threshold_data=None):
        data = types.require(threshold_data, 'level', 'cost')
        record = rules().create_threshold(
            level=data.level, cost=data.cost, map_type=types.given(data.type) or 'flat',
            service_id=types.given(data.service_id), field_id=types.given(data.field_id),
            group_id=types.given(data.group_id), tenant_id=types.given(data.tenant_id))
        return base.created(types.Threshold.from_record(record), record.threshold_id)

    @base.wsexpose(None, wtypes.text, body=types.Threshold, status_code=302)
    def put(self, threshold_id=None, threshold=None):
        """Overwrite level, cost, type and tenant; answers 302 to the request URL."""
        data = types.require(threshold, 'level', 'cost')
        threshold_id = threshold_id or types.given(data.threshold_id)
        if not threshold_id:
            raise wsme.exc.MissingArgument('threshold_id')
        rules().update_threshold(
            threshold_id, level=data.level, cost=data.cost,
            map_type=types.given(data.type), group_id=types.given(data.group_id),
            tenant_id=types.given(data.tenant_id))
        return base.redirect_to_self()

    @base.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, threshold_id):
        rules().delete_threshold(threshold_id)
