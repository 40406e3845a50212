"""RPC endpoints served by processors on topic ``cloudkitty`` (§4.4, §2.1, §5.1).

The wire format (method names, ``res_data`` arguments, namespaces) is the
upstream one, so an upstream API can talk to these processors and back.
"""
from __future__ import annotations

import datetime
import threading
from typing import Any

import oslo_messaging
from oslo_log import log as logging

from cloudkitty import coordination, messaging, storage
from cloudkitty.common import exception, tz
from cloudkitty.dataframe import DataFrame, DataPoint, parse_datetime
from cloudkitty.db import scope_state
from cloudkitty.db.engine import Database
from cloudkitty.rating.pipeline import RatingPipeline

LOG = logging.getLogger(__name__)


def build_quote_frame(res_data: list[dict[str, Any]], period: int) -> DataFrame:
    """One frame for [now, now+period) from the ``[{"usage": {service: [...]}}]`` data.

    Only ``desc.groupby`` and ``desc.metadata`` are kept (§12.9): flat desc
    keys do not reach the rating rules, as upstream.
    """
    # Not truncated: the rules are those active at this very instant, so a
    # mapping created a few milliseconds ago already prices the quote.
    start = tz.utcnow()
    frame = DataFrame(start, start + datetime.timedelta(seconds=period))
    try:
        for entry in res_data:
            for service, resources in entry['usage'].items():
                frame.add_points(
                    [DataPoint.create(resource['vol'].get('unit'), resource['vol']['qty'],
                                      groupby=_mapping(resource['desc'], 'groupby'),
                                      metadata=_mapping(resource['desc'], 'metadata'))
                     for resource in resources],
                    service)
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise exception.Invalid('Invalid quote request: %s' % error) from None
    return frame


def _mapping(desc: dict[str, Any], key: str) -> dict[str, Any]:
    value = desc.get(key) or {}
    if not isinstance(value, dict):
        raise exception.Invalid("Invalid quote request: desc.%s must be an object" % key)
    return value


class RatingEndpoint:
    """Quotes, and the module change notifications of the rating API."""

    target = oslo_messaging.Target(namespace=messaging.RATING_NAMESPACE,
                                   version=messaging.VERSION)

    def __init__(self, conf, pipeline):
        self.conf = conf
        self.pipeline = pipeline
        # RPC requests run in threads; the pipeline holds the loaded rules.
        self._pipeline_lock = threading.Lock()

    # Expected errors go back to the API (a 4xx or 503 there) without a
    # traceback in the processor's log.
    @oslo_messaging.expected_exceptions(exception.Invalid, exception.DatabaseUnavailable)
    def quote(self, ctxt, res_data) -> str:
        frame = build_quote_frame(res_data, self.conf.collect.period)
        with self._pipeline_lock:
            self.pipeline.reload(frame.start, None)
            return str(self.pipeline.quote(frame))

    # Modules are re-read from the database before every rated period, so a
    # notification has nothing left to do but say it was seen.
    def reload_modules(self, ctxt) -> None:
        LOG.info('Rating modules changed; new rules apply from the next period')

    def reload_module(self, ctxt, name) -> None:
        LOG.info('Rating module %s changed; new rules apply from the next period', name)

    def enable_module(self, ctxt, name) -> None:
        LOG.info('Rating module %s enabled; it applies from the next period', name)

    def disable_module(self, ctxt, name) -> None:
        LOG.info('Rating module %s disabled; it stops applying from the next period',
                 name)


class ScopeEndpoint:
    """Scope state resets requested through ``PUT /v2/scope``."""

    target = oslo_messaging.Target(version=messaging.VERSION)

    def __init__(self, conf, db: Database, storage, coordinator: coordination.Coordinator):
        self.conf = conf
        self.db = db
        self.storage = storage
        self.coordinator = coordinator
        self.lock_timeout = conf.orchestrator.reset_lock_timeout

    def reset_state(self, ctxt, res_data) -> None:
        """Delete each scope's data from the timestamp on and rewind its state.

        ``res_data`` is ``{"scopes": [{scope_id, scope_key, fetcher, collector}],
        "last_processed_timestamp": iso}``. A scope is skipped (and logged) if
        its lock cannot be had within ``[orchestrator] reset_lock_timeout``.
        """
        timestamp = parse_datetime(res_data['last_processed_timestamp'])
        for scope in res_data['scopes']:
            key = scope_state.ScopeKey(scope['scope_id'], scope['scope_key'],
                                       scope['collector'], scope['fetcher'])
            try:
                self._reset_one(key, timestamp)
            except Exception:
                LOG.exception('Resetting scope %s failed', key.identifier)

    def _reset_one(self, scope: scope_state.ScopeKey, timestamp) -> None:
        lock_name = coordination.scope_lock_name(scope.identifier, scope.collector,
                                                 scope.fetcher, scope.scope_key)
        with self.coordinator.lock(lock_name, timeout=self.lock_timeout) as locked:
            if not locked:
                LOG.error('Scope %s stays busy; its reset to %s is not done',
                          scope.identifier, timestamp)
                return
            self.storage.delete(timestamp, None, {scope.scope_key: scope.identifier})
            with self.db.session() as session:
                scope_state.reset(session, scope, timestamp)
        LOG.info('Scope %s reset to %s', scope.identifier, timestamp)


def build_endpoints(conf, db: Database, storage,
                    coordinator: coordination.Coordinator) -> list[object]:
    """The endpoints of a processor; quotes get a pipeline of their own."""
    return [RatingEndpoint(conf, RatingPipeline(conf, db)),
            ScopeEndpoint(conf, db, storage, coordinator)]


def build_local_endpoints(conf) -> list[object]:
    """Endpoints built from configuration alone (the API's embedded mode)."""
    db = Database.from_conf(conf)
    return build_endpoints(conf, db, storage.get_storage(conf, db),
                           coordination.from_conf(conf))
