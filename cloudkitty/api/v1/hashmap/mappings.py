"""``…/hashmap/mappings`` (also nested under services and groups)."""
from __future__ import annotations

import wsme.exc
from pecan import rest
from wsme import types as wtypes

from cloudkitty.api.v1 import base
from cloudkitty.api.v1.hashmap import types
from cloudkitty.api.v1.hashmap.common import audit_user, rules
from cloudkitty.db import hashmap, volatile_rules


class MappingsController(rest.RestController):
    """CRUD on mappings; PUT follows the volatile-rule rules of §1.4."""

    _custom_actions = {'group': ['GET']}

    @base.wsexpose(types.Group, wtypes.text)
    def group(self, mapping_id):
        """``GET …/mappings/{id}/group`` or ``…/mappings/group?mapping_id=``."""
        return types.Group.from_record(rules().get_mapping_group(mapping_id))

    @base.wsexpose(types.MappingCollection, wtypes.text, wtypes.text, wtypes.text,
                   bool, wtypes.text, bool, bool, base.Datetime, base.Datetime,
                   wtypes.text, wtypes.text, wtypes.text, wtypes.text, bool, bool)
    def get_all(self, service_id=None, field_id=None, group_id=None, no_group=False,
                tenant_id=None, filter_tenant=False, deleted=False, start=None,
                end=None, updated_by=None, created_by=None, deleted_by=None,
                description=None, is_active=None, all=True):  # noqa: A002 (wire name)
        filters = hashmap.RuleFilters(
            service_id=service_id, field_id=field_id, group_id=group_id,
            no_group=bool(no_group), tenant_id=tenant_id,
            filter_tenant=bool(filter_tenant))
        window = volatile_rules.RuleWindowFilters(
            deleted=bool(deleted), start=start, end=end, created_by=created_by,
            updated_by=updated_by, deleted_by=deleted_by, description=description,
            is_active=is_active)
        mappings = rules().list_mappings(filters, window, all_rules=all is not False)
        return types.MappingCollection(
            mappings=[types.Mapping.from_record(mapping) for mapping in mappings])

    @base.wsexpose(types.Mapping, wtypes.text)
    def get_one(self, mapping_id):
        return types.Mapping.from_record(rules().get_mapping(mapping_id))

    @base.wsexpose(types.Mapping, bool, body=types.Mapping, status_code=201)
    def post(self, force=False, mapping_data=None):
        types.require(mapping_data, 'cost')
        value = mapping_data.value
        record = rules().create_mapping(
            cost=mapping_data.cost, map_type=types.given(mapping_data.type) or 'flat',
            value='' if value is wtypes.Unset else value,
            service_id=types.given(mapping_data.service_id),
            field_id=types.given(mapping_data.field_id),
            group_id=types.given(mapping_data.group_id),
            tenant_id=types.given(mapping_data.tenant_id),
            start=types.given(mapping_data.start), end=types.given(mapping_data.end),
            name=types.given(mapping_data.name),
            description=types.given(mapping_data.description),
            force=bool(force), user=audit_user())
        return base.created(types.Mapping.from_record(record), record.mapping_id)

    @base.wsexpose(None, wtypes.text, body=types.Mapping, status_code=302)
    def put(self, mapping_id=None, mapping=None):
        """Update, answering 302 to the request URL (the CLI PUTs the whole object)."""
        types.require(mapping, 'cost')
        mapping_id = mapping_id or types.given(mapping.mapping_id)
        if not mapping_id:
            raise wsme.exc.MissingArgument('mapping_id')
        rules().update_mapping(mapping_id,
                               types.sent_attributes(mapping, types.RENAMES),
                               user=audit_user())
        return base.redirect_to_self()

    @base.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, mapping_id):
        """Soft delete: the mapping stays readable by id, with ``deleted`` set."""
        rules().delete_mapping(mapping_id, user=audit_user())
