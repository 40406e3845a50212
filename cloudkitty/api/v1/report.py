"""``/v1/report``: tenants, totals and summaries of rated data (contract §1.6)."""
from __future__ import annotations

import decimal

import pecan
from pecan import rest
from wsme import types as wtypes

from cloudkitty.api import acl
from cloudkitty.api.v1 import base
from cloudkitty.common import tz
from cloudkitty.storage import v1_compat


def default_window(begin, end):
    """Missing bounds default to the current month (naive UTC)."""
    return begin or tz.month_start(), end or tz.next_month_start()


def report_target(tenant_id: str | None, all_tenants: bool) -> tuple[str | None, dict]:
    """The tenant to report on and the policy target (§8.3).

    Without ``all_tenants`` the tenant defaults to the caller's project; with
    it the target project is None, which only an admin passes.
    """
    if all_tenants:
        return tenant_id, {'project_id': None}
    tenant_id = tenant_id or pecan.request.context.project_id
    return tenant_id, {'project_id': tenant_id}


def format_rate(value) -> str:
    """The v1 summary rate: rounded to 5 decimals, rendered like a Python float."""
    rounded = round(float(value), 5)
    return '0' if rounded == 0 else repr(rounded)


class SummaryModel(wtypes.Base):
    begin = base.Datetime
    end = base.Datetime
    tenant_id = wtypes.text
    res_type = wtypes.text
    rate = wtypes.text


class SummaryCollectionModel(wtypes.Base):
    summary = [SummaryModel]


class ReportController(rest.RestController):
    _custom_actions = {'tenants': ['GET'], 'total': ['GET'], 'summary': ['GET']}

    @base.wsexpose([wtypes.text], base.Datetime, base.Datetime)
    def tenants(self, begin=None, end=None):
        acl.enforce('report:list_tenants')
        begin, end = default_window(begin, end)
        request = pecan.request
        return v1_compat.list_tenants(request.storage, request.db, begin, end)

    @base.wsexpose(base.Decimal, base.Datetime, base.Datetime, wtypes.text,
                   wtypes.text, bool)
    def total(self, begin=None, end=None, tenant_id=None, service=None,
              all_tenants=False):
        """Deprecated: the sum of prices, as a JSON string."""
        tenant_id, target = report_target(tenant_id, all_tenants)
        acl.enforce('report:get_total', target)
        begin, end = default_window(begin, end)
        if begin > end:
            return decimal.Decimal(0)
        return v1_compat.total(pecan.request.storage, begin, end, tenant_id, service)

    @base.wsexpose(SummaryCollectionModel, base.Datetime, base.Datetime, wtypes.text,
                   wtypes.text, wtypes.text, bool)
    def summary(self, begin=None, end=None, tenant_id=None, service=None, groupby=None,
                all_tenants=False):
        tenant_id, target = report_target(tenant_id, all_tenants)
        acl.enforce('report:get_summary', target)
        begin, end = default_window(begin, end)
        tokens = [token.strip() for token in (groupby or '').split(',') if token.strip()]
        rows = v1_compat.summary(pecan.request.storage, begin, end, tenant_id, service,
                                 tokens)
        return SummaryCollectionModel(summary=[
            SummaryModel(begin=row['begin'], end=row['end'], tenant_id=row['tenant_id'],
                         res_type=row['res_type'], rate=format_rate(row['rate']))
            for row in rows])
