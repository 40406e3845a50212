"""Which rating modules are installed, and their stored state (contract §1.3, §4.1).

The API lists and updates modules through these functions without ever
building a module: only the plugin classes' attributes and the
``modules_state`` rows are read.
"""
from __future__ import annotations

import dataclasses

from oslo_log import log as logging
from stevedore import extension

from cloudkitty.common import exception
from cloudkitty.db import modules as modules_db
from cloudkitty.db.engine import Database
from cloudkitty.rating.base import RatingModule

LOG = logging.getLogger(__name__)

NAMESPACE = 'cloudkitty.rating.processors'

#: The module that is always enabled with priority 1, whatever is stored.
ALWAYS_ENABLED = 'noop'


@dataclasses.dataclass(frozen=True, slots=True)
class ModuleInfo:
    """A module as the API shows it."""

    name: str
    description: str
    hot_config: bool
    enabled: bool
    priority: int


def _log_load_failure(_manager, entry_point, error) -> None:
    LOG.error('Rating module %s cannot be loaded and is left out: %s',
              entry_point.name, error)


def installed_modules() -> dict[str, type[RatingModule]]:
    """name -> module class, in plugin discovery order; broken plugins left out."""
    manager = extension.ExtensionManager(
        NAMESPACE, invoke_on_load=False, on_load_failure_callback=_log_load_failure)
    return {ext.name: ext.plugin for ext in manager}


def installed_module_names() -> list[str]:
    return list(installed_modules())


def effective_state(name: str, stored: modules_db.StoredState) -> modules_db.StoredState:
    """The state that applies to ``name``: noop ignores what is stored."""
    if name == ALWAYS_ENABLED:
        return modules_db.StoredState(enabled=True, priority=modules_db.DEFAULT_PRIORITY)
    return stored


def _info(name: str, module_class: type[RatingModule],
          stored: modules_db.StoredState) -> ModuleInfo:
    state = effective_state(name, stored)
    return ModuleInfo(name=name, description=module_class.description,
                      hot_config=module_class.hot_config, enabled=state.enabled,
                      priority=state.priority)


def _module_class(name: str) -> type[RatingModule]:
    try:
        return installed_modules()[name]
    except KeyError:
        raise exception.ModuleNotFound() from None


def list_modules(conf, db: Database) -> list[ModuleInfo]:
    """Every installed module with its state, in discovery order.

    ``conf`` is taken for symmetry with the pipeline; the listing only
    depends on the installed plugins and the database.
    """
    with db.session() as session:
        stored = modules_db.list_states(session)
    return [_info(name, module_class, stored.get(name, modules_db.default_state()))
            for name, module_class in installed_modules().items()]


def get_module(conf, db: Database, name: str) -> ModuleInfo:
    """One module; raises ModuleNotFound for a name that is not installed."""
    module_class = _module_class(name)
    with db.session() as session:
        stored = modules_db.get_state(session, name)
    return _info(name, module_class, stored)


def update_module(conf, db: Database, name: str, enabled: bool | None = None,
                  priority: int | None = None) -> tuple[bool, bool]:
    """Apply the values that differ; returns (state_changed, priority_changed).

    The caller uses the flags to decide which RPC notifications to cast.
    """
    _module_class(name)
    if name == ALWAYS_ENABLED:
        return False, False
    with db.session() as session:
        current = modules_db.get_state(session, name)
        new_enabled = enabled if enabled is not None and enabled != current.enabled else None
        new_priority = (priority if priority is not None and priority != current.priority
                        else None)
        if new_enabled is not None or new_priority is not None:
            modules_db.save_state(session, name, enabled=new_enabled, priority=new_priority)
    if new_enabled is not None:
        LOG.info('Rating module %s %s', name, 'enabled' if new_enabled else 'disabled')
    if new_priority is not None:
        LOG.info('Rating module %s priority set to %d', name, new_priority)
    return new_enabled is not None, new_priority is not None
