"""``/v2/rating/modules``: rating modules (contract §2.5)."""
from __future__ import annotations

import pecan
import voluptuous as vol
from pecan import rest

from cloudkitty.api import acl, processors
from cloudkitty.api.v1.rating import MAX_PRIORITY
from cloudkitty.api.v2 import base
from cloudkitty.common import exception
from cloudkitty.rating import registry

UPDATE_BODY = {
    vol.Optional('enabled'): base.strict(bool),
    vol.Optional('priority'): vol.All(base.strict(int),
                                      vol.Any(None, vol.Range(min=0, max=MAX_PRIORITY))),
}


class ModuleNotFound(exception.NotFound):
    _msg_fmt = "Module '%(module_id)s' not found"


def _module_json(info) -> dict:
    return {'module_id': info.name, 'description': info.description,
            'enabled': info.enabled, 'hot_config': info.hot_config,
            'priority': info.priority}


def _get_module(module_id: str):
    request = pecan.request
    try:
        return registry.get_module(request.conf, request.db, module_id)
    except exception.ModuleNotFound:
        raise ModuleNotFound(module_id=module_id) from None


class ModulesController(rest.RestController):

    @base.endpoint
    def get_all(self):
        """No policy is enforced here, as upstream (§12.18)."""
        request = pecan.request
        modules = registry.list_modules(request.conf, request.db)
        return base.reply({'modules': [_module_json(info) for info in modules]})

    @base.endpoint
    def get_one(self, module_id):
        acl.enforce('v2_rating:get_module')
        return base.reply(_module_json(_get_module(module_id)))

    @base.endpoint
    def put(self, module_id):
        acl.enforce('v2_rating:update_module')
        data = base.body(UPDATE_BODY)
        _get_module(module_id)
        processors.update_module(module_id, data.get('enabled'), data.get('priority'))
        return base.reply(None, 204)


class RatingController:
    modules = ModulesController()
