"""``/v1/info``: what is collected, read from ``[collect] metrics_conf`` (contract §1.2).

The file is read and validated on every request, so that the answer follows
the file without restarting the API.
"""
from __future__ import annotations

import json

import pecan
from oslo_log import log as logging
from pecan import rest
from wsme import types as wtypes

from cloudkitty.api import acl
from cloudkitty.api.v1 import base
from cloudkitty.collector import metrics_config
from cloudkitty.common import exception

LOG = logging.getLogger(__name__)


class NoMetricsConfigured(exception.CloudKittyError):
    _msg_fmt = 'Invalid endpoint: no metrics in current configuration.'
    code = 405


class MetricNotFound(exception.NotFound):
    _msg_fmt = '%(metric_id)s'


def _read_metrics_config(conf) -> metrics_config.MetricsConfig:
    """The validated metrics.yml, raising NoMetricsConfigured when unusable."""
    try:
        return metrics_config.load_metrics_config(
            conf.collect.metrics_conf, conf.collect.collector, conf.collect.scope_key)
    except exception.ConfigurationError as error:
        LOG.warning('Metrics configuration unusable: %s', error)
        raise NoMetricsConfigured() from None


def _metric_info(info: metrics_config.MetricInfo) -> CloudkittyMetricInfo:
    return CloudkittyMetricInfo(metric_id=info.metric_id, unit=info.unit,
                                metadata=list(info.metadata))


class CloudkittyMetricInfo(wtypes.Base):
    metric_id = wtypes.text
    metadata = [wtypes.text]
    unit = wtypes.text


class CloudkittyMetricInfoCollection(wtypes.Base):
    metrics = [CloudkittyMetricInfo]


class MetricInfoController(rest.RestController):
    """``/v1/info/metrics`` (and its deprecated alias ``/v1/info/services``)."""

    def __init__(self, list_rule: str, get_rule: str):
        self.list_rule = list_rule
        self.get_rule = get_rule

    @base.wsexpose(CloudkittyMetricInfoCollection)
    def get_all(self):
        acl.enforce(self.list_rule)
        config = _read_metrics_config(pecan.request.conf)
        return CloudkittyMetricInfoCollection(
            metrics=[_metric_info(info) for info in config.metrics_info()])

    @base.wsexpose(CloudkittyMetricInfo, wtypes.text)
    def get_one(self, metric_id):
        acl.enforce(self.get_rule)
        info = _read_metrics_config(pecan.request.conf).metric_info(metric_id)
        if info is None:
            raise MetricNotFound(metric_id=metric_id)
        return _metric_info(info)


class InfoController(rest.RestController):
    metrics = MetricInfoController('info:list_metrics_info', 'info:get_metric_info')
    services = MetricInfoController('info:list_services_info', 'info:get_service_info')

    _custom_actions = {'config': ['GET']}

    @pecan.expose(content_type='application/json')
    def config(self, *_remainder):
        """The raw metrics.yml document as JSON, defaults not filled in."""
        try:
            acl.enforce('info:get_config')
            document = _read_metrics_config(pecan.request.conf).raw
        except exception.CloudKittyError as error:
            status, body = base.fault(error)
            pecan.response.status = status
            return json.dumps(body)
        return json.dumps(document, default=str)
