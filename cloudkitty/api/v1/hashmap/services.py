"""``…/hashmap/services`` and ``…/hashmap/fields``."""
from __future__ import annotations

from pecan import rest
from wsme import types as wtypes

from cloudkitty.api.v1 import base
from cloudkitty.api.v1.hashmap import types
from cloudkitty.api.v1.hashmap.common import rules
from cloudkitty.api.v1.hashmap.mappings import MappingsController


class FieldsController(rest.RestController):
    """Fields; listing needs a service (``…/services/{id}/fields`` or the query)."""

    @base.wsexpose(types.FieldCollection, wtypes.text)
    def get_all(self, service_id):
        return types.FieldCollection(
            fields=[types.Field.from_record(field)
                    for field in rules().list_fields(service_id)])

    @base.wsexpose(types.Field, wtypes.text)
    def get_one(self, field_id):
        return types.Field.from_record(rules().get_field(field_id))

    @base.wsexpose(types.Field, body=types.Field, status_code=201)
    def post(self, field_data):
        types.require(field_data, 'name', 'service_id')
        record = rules().create_field(field_data.service_id, field_data.name)
        return base.created(types.Field.from_record(record), record.field_id)

    @base.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, field_id):
        """Deletes the field's mappings and thresholds too."""
        rules().delete_field(field_id)


class ServicesController(rest.RestController):
    fields = FieldsController()
    mappings = MappingsController()

    @base.wsexpose(types.ServiceCollection)
    def get_all(self):
        return types.ServiceCollection(
            services=[types.Service.from_record(service)
                      for service in rules().list_services()])

    @base.wsexpose(types.Service, wtypes.text)
    def get_one(self, service_id):
        return types.Service.from_record(rules().get_service(service_id))

    @base.wsexpose(types.Service, body=types.Service, status_code=201)
    def post(self, service_data):
        """Create a service; a ``service_id`` in the body is ignored."""
        types.require(service_data, 'name')
        record = rules().create_service(service_data.name)
        return base.created(types.Service.from_record(record), record.service_id)

    @base.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, service_id):
        """Deletes the service's fields, mappings and thresholds too."""
        rules().delete_service(service_id)
