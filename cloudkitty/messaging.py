"""oslo.messaging between the API and the processors (topic ``cloudkitty``).

The topic is ``[orchestrator] rpc_topic``, ``cloudkitty`` as upstream.

The API side uses :func:`get_rpc_client`; processors serve the endpoints of
:mod:`cloudkitty.processor.rpc` with :func:`get_rpc_server`.

Embedded mode: when ``[DEFAULT] transport_url`` is unset or ``fake://``,
there is no broker, and an in-memory transport cannot join two processes.
The API process then serves the same endpoints itself, on the in-memory
transport, from a thread started by the first :func:`get_rpc_client` call:
quotes and scope resets keep working in the one-command quick start, with
exactly the code that processors run.

Broker outages: no request of the API waits for the broker to come back.
oslo.messaging retries a send forever by default; the client here retries
it once (enough to replace a connection that died while idle) and then
answers :class:`BusUnavailable`. The one step it cannot bound, opening the
reply queue of the first call in the process, runs aside, and the caller
waits at most the call's timeout for it.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import datetime
import importlib
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import oslo_messaging
from oslo_config import cfg
from oslo_log import log as logging
from oslo_messaging import opts as messaging_opts

from cloudkitty.common import exception

LOG = logging.getLogger(__name__)

RATING_NAMESPACE = 'rating'
VERSION = '1.0'
EMBEDDED_URL = 'fake://'
MODULE_CHANGES = ('reload_modules', 'reload_module', 'enable_module', 'disable_module')

#: Domain errors raised by an endpoint come back to the caller as themselves.
_REMOTE_EXCEPTION_MODULES = ['cloudkitty.common.exception']


class ProcessorUnavailable(exception.CloudKittyError):
    _msg_fmt = ('No cloudkitty-processor answered the %(method)s request within '
                '%(timeout)s seconds; check that a processor runs and reaches the '
                'message bus ([DEFAULT] transport_url)')
    code = 503


class BusUnavailable(exception.CloudKittyError):
    _msg_fmt = ('The message bus is unavailable: the %(method)s request could not be '
                'sent to the processors. Retry later.')
    code = 503


#: Sends are retried once: a pooled connection that died while idle is
#: replaced, and a broker that is really down is reported within seconds.
SEND_RETRIES = 1
#: A first call also opens the reply queue: a little more than its timeout.
_FIRST_CALL_GRACE = 5

#: Option lists that oslo.messaging reads from any ConfigOpts but registers on
#: its global CONF only (module, attribute = group name); we have no global CONF.
_GLOBAL_ONLY_OPTS = (('oslo_messaging._metrics.client', 'oslo_messaging_metrics'),
                     ('oslo_messaging._tracing.client', 'oslo_messaging_tracing'))


def register_opts(conf) -> None:
    """Register every oslo.messaging option on ``conf`` (idempotent)."""
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    for module_name, group in _GLOBAL_ONLY_OPTS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        conf.register_opts(getattr(module, group), group=group)


def is_embedded(conf) -> bool:
    """True when no bus is configured: transport_url unset (its built-in
    ``rabbit://`` default does not count), empty or ``fake://``."""
    register_opts(conf)
    url = conf.transport_url
    if not url or url.startswith('fake:'):
        return True
    return conf.get_location('transport_url').location == cfg.Locations.opt_default


def check_transport_url(conf) -> None:
    """Fail with a clear message on an unusable transport_url, connecting nowhere."""
    if is_embedded(conf):
        return
    try:
        oslo_messaging.TransportURL.parse(conf, conf.transport_url)
    except (oslo_messaging.InvalidTransportURL, ValueError) as error:
        raise exception.ConfigurationError(
            reason='[DEFAULT] transport_url cannot be used: %s' % error) from None


class _PerConf:
    """Objects cached per ConfigOpts (which is unhashable, so keyed by id).

    Each entry keeps its ConfigOpts alive: an id is only unique among living
    objects, and a freed config's id reused by a new one must never hand out
    the old config's transport, client or server.
    """

    def __init__(self):
        self._entries: dict[int, tuple[Any, Any]] = {}

    def get(self, conf) -> Any:
        entry = self._entries.get(id(conf))
        return entry[1] if entry is not None and entry[0] is conf else None

    def setdefault(self, conf, value) -> Any:
        current = self.get(conf)
        if current is not None:
            return current
        self._entries[id(conf)] = (conf, value)
        return value

    def pop(self, conf) -> Any:
        value = self.get(conf)
        if value is not None:
            del self._entries[id(conf)]
        return value


_transport_lock = threading.Lock()
_transports = _PerConf()
_embedded_servers = _PerConf()
_topic_lock = threading.Lock()
_embedded_topics = _PerConf()


def rpc_topic(conf) -> str:
    """The topic the processor endpoints of ``conf`` listen on.

    With a message bus it is ``[orchestrator] rpc_topic``. In embedded mode the
    fake transport's exchanges are shared by the whole process, so each
    configuration gets a private topic: only the endpoints started for it can
    answer its requests, never those of another configuration in the process.
    """
    if not is_embedded(conf):
        return conf.orchestrator.rpc_topic
    with _topic_lock:
        return _embedded_topics.setdefault(
            conf, '%s-embedded-%s' % (conf.orchestrator.rpc_topic, uuid.uuid4().hex))


def get_transport(conf) -> oslo_messaging.Transport:
    """This process's RPC transport for ``conf`` (one per process and conf)."""
    with _transport_lock:
        transport = _transports.get(conf)
        if transport is None:
            url = EMBEDDED_URL if is_embedded(conf) else conf.transport_url
            try:
                transport = oslo_messaging.get_rpc_transport(
                    conf, url=url, allowed_remote_exmods=_REMOTE_EXCEPTION_MODULES)
            except (oslo_messaging.InvalidTransportURL,
                    oslo_messaging.DriverLoadFailure) as error:
                raise exception.ConfigurationError(
                    reason='[DEFAULT] transport_url cannot be used: %s' % error) from None
            _transports.setdefault(conf, transport)
        return transport


def get_rpc_server(conf, endpoints: list[object],
                   transport: oslo_messaging.Transport | None = None):
    """An RPC server (not started) for the processor endpoints, named after the host."""
    target = oslo_messaging.Target(topic=rpc_topic(conf), server=conf.host,
                                   version=VERSION)
    return oslo_messaging.get_rpc_server(transport or get_transport(conf), target,
                                         endpoints, executor='threading')


class RpcClient:
    """What the API asks of the processors."""

    def __init__(self, conf, transport: oslo_messaging.Transport):
        self.conf = conf
        self.timeout = conf.orchestrator.quote_timeout
        self._rating = oslo_messaging.get_rpc_client(
            transport,
            oslo_messaging.Target(topic=rpc_topic(conf),
                                  namespace=RATING_NAMESPACE, version=VERSION),
            timeout=self.timeout, retry=SEND_RETRIES,
            transport_options=oslo_messaging.TransportOptions(at_least_once=True))
        self._scope = oslo_messaging.get_rpc_client(
            transport, oslo_messaging.Target(topic=rpc_topic(conf),
                                             version=VERSION),
            retry=SEND_RETRIES)
        #: Set once a call went through: the reply queue is open from then on.
        self._replies_open = threading.Event()
        self._first_call_lock = threading.Lock()
        self._first_call: concurrent.futures.Future | None = None
        self._first_call_deadline = 0.0

    def _call(self, method: str, **kwargs) -> Any:
        """``call`` on the rating topic, never blocked by a broker outage.

        Until a first call has gone through, calls run in a daemon thread,
        one at a time, which the caller waits for until the timeout plus a
        grace: while the broker is down oslo.messaging keeps trying to open
        the reply queue, and the thread ends whenever the broker comes back.
        Calls made meanwhile wait for what is left of that deadline.
        """
        if self._replies_open.is_set():
            return self._rating.call({}, method, **kwargs)
        with self._first_call_lock:
            first = self._first_call
            mine = first is None or first.done()
            if mine:
                first = self._first_call = concurrent.futures.Future()
                self._first_call_deadline = (time.monotonic() + self.timeout
                                             + _FIRST_CALL_GRACE)
                threading.Thread(target=self._run_first_call, args=(first, method, kwargs),
                                 name='rpc-first-call', daemon=True).start()
            deadline = self._first_call_deadline
        done, _ = concurrent.futures.wait([first], timeout=max(0.0, deadline - time.monotonic()))
        if not done:
            LOG.warning('%s request not sent: the message bus has not let the reply '
                        'queue open for %d seconds', method, self.timeout + _FIRST_CALL_GRACE)
            raise BusUnavailable(method=method)
        if mine:
            return first.result()
        return self._rating.call({}, method, **kwargs)

    def _run_first_call(self, future: concurrent.futures.Future, method: str,
                        kwargs: dict[str, Any]) -> None:
        try:
            future.set_result(self._rating.call({}, method, **kwargs))
        except Exception as error:
            future.set_exception(error)
        finally:
            self._replies_open.set()

    def quote(self, resources: list[dict[str, Any]]) -> str:
        """Price of ``resources`` (``{"service", "desc", "volume"}`` each) as a string.

        Resources are grouped by service into the upstream wire format.
        """
        usage: dict[str, list[dict[str, Any]]] = {}
        for resource in resources:
            usage.setdefault(resource['service'], []).append({
                'desc': resource.get('desc') or {},
                'vol': {'qty': str(resource.get('volume', 0)), 'unit': 'undef'}})
        try:
            return self._call('quote', res_data=[{'usage': usage}])
        except oslo_messaging.MessageDeliveryFailure as error:
            LOG.warning('Quote request not sent: %s', error)
            raise BusUnavailable(method='quote') from None
        except (oslo_messaging.MessagingTimeout,
                oslo_messaging.MessageUndeliverable) as error:
            LOG.warning('Quote request failed: %s', error)
            raise ProcessorUnavailable(method='quote', timeout=self.timeout) from None

    def reset_state(self, scopes: list[dict[str, Any]],
                    last_processed_timestamp: datetime.datetime) -> None:
        """Ask a processor to reset ``scopes`` (dicts with scope_id, scope_key,
        fetcher, collector); fire and forget."""
        with _sent('reset_state'):
            self._scope.cast({}, 'reset_state', res_data={
                'scopes': scopes,
                'last_processed_timestamp': last_processed_timestamp.isoformat()})

    def notify_module_change(self, kind: str, name: str | None = None) -> None:
        """Tell every processor that a rating module changed (fanout cast)."""
        if kind not in MODULE_CHANGES:
            raise ValueError('Unknown module change %r' % kind)
        client = self._rating.prepare(fanout=True)
        with _sent(kind):
            if kind == 'reload_modules':
                client.cast({}, kind)
            else:
                client.cast({}, kind, name=name)


@contextlib.contextmanager
def _sent(method: str) -> Iterator[None]:
    """A cast that the broker did not take is BusUnavailable."""
    try:
        yield
    except oslo_messaging.MessageDeliveryFailure as error:
        LOG.warning('%s request not sent: %s', method, error)
        raise BusUnavailable(method=method) from None


_clients = _PerConf()


def get_rpc_client(conf) -> RpcClient:
    """The process-wide client; in embedded mode, also starts the local server."""
    with _transport_lock:
        client = _clients.get(conf)
    if client is not None:
        return client
    transport = get_transport(conf)
    if is_embedded(conf):
        _start_embedded_server(conf, transport)
    client = RpcClient(conf, transport)
    with _transport_lock:
        return _clients.setdefault(conf, client)


def _start_embedded_server(conf, transport) -> None:
    with _transport_lock:
        if _embedded_servers.get(conf) is not None:
            return
        # Imported here: only the embedded mode makes the API host processor
        # endpoints, and a normal API process never loads the processor.
        from cloudkitty.processor import rpc as processor_rpc
        server = get_rpc_server(conf, processor_rpc.build_local_endpoints(conf),
                                transport)
        server.start()
        _embedded_servers.setdefault(conf, server)
    LOG.info('No message bus configured ([DEFAULT] transport_url): this process '
             'serves quotes and scope resets itself')


def cleanup(conf) -> None:
    """Stop the embedded server and close the transport of ``conf`` (shutdown, tests)."""
    with _transport_lock:
        server = _embedded_servers.pop(conf)
        _clients.pop(conf)
        transport = _transports.pop(conf)
    with _topic_lock:
        _embedded_topics.pop(conf)
    if server is not None:
        server.stop()
        server.wait()
    if transport is not None:
        transport.cleanup()
