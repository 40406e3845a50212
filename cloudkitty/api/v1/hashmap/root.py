"""Root of ``/v1/rating/module_config/hashmap`` (policy is checked by the mount)."""
from __future__ import annotations

from pecan import rest
from wsme import types as wtypes

from cloudkitty.api.v1 import base
from cloudkitty.api.v1.hashmap.groups import GroupsController
from cloudkitty.api.v1.hashmap.mappings import MappingsController
from cloudkitty.api.v1.hashmap.services import FieldsController, ServicesController
from cloudkitty.api.v1.hashmap.thresholds import ThresholdsController
from cloudkitty.db import hashmap


class HashMapConfigController(rest.RestController):
    _custom_actions = {'types': ['GET']}

    services = ServicesController()
    fields = FieldsController()
    groups = GroupsController()
    mappings = MappingsController()
    thresholds = ThresholdsController()

    @base.wsexpose([wtypes.text])
    def get_types(self):
        """The mapping types, ``flat`` and ``rate``."""
        return list(hashmap.MAP_TYPES)
