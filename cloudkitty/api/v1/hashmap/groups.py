"""``…/hashmap/groups``: named buckets of mappings and thresholds."""
from __future__ import annotations

from pecan import rest
from wsme import types as wtypes

from cloudkitty.api.v1 import base
from cloudkitty.api.v1.hashmap import types
from cloudkitty.api.v1.hashmap.common import rules
from cloudkitty.db import hashmap


class GroupsController(rest.RestController):
    _custom_actions = {'mappings': ['GET'], 'thresholds': ['GET']}

    @base.wsexpose(types.MappingCollection, wtypes.text)
    def mappings(self, group_id):
        """``GET …/groups/{id}/mappings`` or ``…/groups/mappings?group_id=``."""
        mappings = rules().list_mappings(hashmap.RuleFilters(group_id=group_id))
        return types.MappingCollection(
            mappings=[types.Mapping.from_record(item) for item in mappings])

    @base.wsexpose(types.ThresholdCollection, wtypes.text)
    def thresholds(self, group_id):
        """``GET …/groups/{id}/thresholds`` or ``…/groups/thresholds?group_id=``."""
        thresholds = rules().list_thresholds(hashmap.RuleFilters(group_id=group_id))
        return types.ThresholdCollection(
            thresholds=[types.Threshold.from_record(item) for item in thresholds])

    @base.wsexpose(types.GroupCollection)
    def get_all(self):
        return types.GroupCollection(
            groups=[types.Group.from_record(group) for group in rules().list_groups()])

    @base.wsexpose(types.Group, wtypes.text)
    def get_one(self, group_id):
        return types.Group.from_record(rules().get_group(group_id))

    @base.wsexpose(types.Group, body=types.Group, status_code=201)
    def post(self, group_data):
        types.require(group_data, 'name')
        record = rules().create_group(group_data.name)
        return base.created(types.Group.from_record(record), record.group_id)

    @base.wsexpose(None, wtypes.text, bool, status_code=204)
    def delete(self, group_id, recursive=False):
        """Hard-delete the group's rules when ``recursive``, else ungroup them."""
        rules().delete_group(group_id, recursive=bool(recursive))
