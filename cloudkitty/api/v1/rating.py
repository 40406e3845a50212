"""``/v1/rating``: rating modules, quotes and module configuration (contract §1.3)."""
from __future__ import annotations

import importlib

import pecan
import wsme.exc
from oslo_log import log as logging
from pecan import rest
from wsme import types as wtypes

from cloudkitty.api import acl, processors
from cloudkitty.api.v1 import base
from cloudkitty.common import exception
from cloudkitty.rating import registry

LOG = logging.getLogger(__name__)

#: The largest priority the ``modules_state.priority`` column holds.
MAX_PRIORITY = 2 ** 31 - 1

#: Configuration controller of each rating module offering one, mounted at
#: ``/v1/rating/module_config/<name>`` and instantiated without arguments.
CONFIG_CONTROLLERS = {
    'hashmap': 'cloudkitty.api.v1.hashmap.root:HashMapConfigController',
    'pyscripts': 'cloudkitty.api.v1.pyscripts.root:PyScriptsConfigController',
}


class CloudkittyModule(wtypes.Base):
    module_id = wtypes.wsattr(wtypes.text, mandatory=True)
    description = wtypes.text
    enabled = bool
    hot_config = wtypes.wsattr(bool, name='hot-config')
    priority = int

    @classmethod
    def from_info(cls, info) -> CloudkittyModule:
        return cls(module_id=info.name, description=info.description,
                   enabled=info.enabled, hot_config=info.hot_config,
                   priority=info.priority)


class CloudkittyModuleCollection(wtypes.Base):
    modules = [CloudkittyModule]


class ModulesController(rest.RestController):
    """``/v1/rating/modules``."""

    @base.wsexpose(CloudkittyModuleCollection)
    def get_all(self):
        acl.enforce('rating:list_modules')
        request = pecan.request
        return CloudkittyModuleCollection(modules=[
            CloudkittyModule.from_info(info)
            for info in registry.list_modules(request.conf, request.db)])

    @base.wsexpose(CloudkittyModule, wtypes.text)
    def get_one(self, module_id):
        acl.enforce('rating:get_module')
        request = pecan.request
        return CloudkittyModule.from_info(
            registry.get_module(request.conf, request.db, module_id))

    @base.wsexpose(None, wtypes.text, body=CloudkittyModule, status_code=302)
    def put(self, module_id, module):
        """Apply ``enabled``/``priority``; answers 302 to the request URL."""
        acl.enforce('rating:update_module')
        request = pecan.request
        registry.get_module(request.conf, request.db, module_id)
        enabled = module.enabled if isinstance(module.enabled, bool) else None
        priority = module.priority if isinstance(module.priority, int) else None
        if priority is not None and not 0 <= priority <= MAX_PRIORITY:
            raise wsme.exc.InvalidInput('priority', priority,
                                        'Value should be between 0 and %d' % MAX_PRIORITY)
        processors.update_module(module_id, enabled, priority)
        return base.redirect_to_self()


class QuoteResource(wtypes.Base):
    service = wtypes.wsattr(wtypes.text, mandatory=True)
    volume = wtypes.wsattr(base.Decimal, mandatory=True)
    desc = wtypes.wsattr(base.Json, default=None)


class QuoteRequest(wtypes.Base):
    resources = wtypes.wsattr([QuoteResource], mandatory=True)


class QuoteController(rest.RestController):
    """``POST /v1/rating/quote``: price resources with the processor's rules."""

    @base.wsexpose(wtypes.text, body=QuoteRequest)
    def post(self, request_data):
        acl.enforce('rating:quote')
        if request_data.resources is None:
            # An explicit null passes WSME's mandatory check; answer as for a missing list.
            raise exception.Invalid("Invalid input for field/attribute resources. Value: "
                                    "'None'. Mandatory field missing.")
        resources = [{'service': resource.service, 'volume': resource.volume,
                      'desc': resource.desc if isinstance(resource.desc, dict) else {}}
                     for resource in request_data.resources]
        return str(processors.rpc_client().quote(resources))


def _load_config_controller(name: str):
    """The config controller of module ``name``, or None if it has none."""
    target = CONFIG_CONTROLLERS.get(name)
    if target is None:
        return None
    module_name, class_name = target.split(':')
    try:
        return getattr(importlib.import_module(module_name), class_name)()
    except (ImportError, AttributeError):
        LOG.warning('Configuration API of rating module %s is unavailable', name,
                    exc_info=True)
        return None


class ModuleConfigController:
    """``/v1/rating/module_config/<module>/...``: the modules' own APIs."""

    def __init__(self):
        self._controllers: dict[str, object] = {}

    @pecan.expose(generic=True)
    def index(self):
        pecan.abort(405)

    @pecan.expose()
    def _lookup(self, name, *remainder):
        base.enforce_module_config()
        request = pecan.request
        try:
            registry.get_module(request.conf, request.db, name)
        except exception.ModuleNotFound:
            pecan.abort(404, 'Module not found.')
        if name not in self._controllers:
            controller = _load_config_controller(name)
            if controller is None:
                pecan.abort(409, 'Module is not configurable')
            self._controllers[name] = controller
        return self._controllers[name], list(remainder)


class RatingController(rest.RestController):
    modules = ModulesController()
    quote = QuoteController()
    module_config = ModuleConfigController()

    _custom_actions = {'reload_modules': ['GET']}

    @base.wsexpose(None, status_code=204)
    def reload_modules(self):
        """Modules are read from the database on use; only the processors are told."""
        base.enforce_module_config()
        processors.notify_module_change('reload_modules')

