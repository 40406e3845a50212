"""``/v1/storage/dataframes``: rated data in the v1 shape (contract §1.7)."""
from __future__ import annotations

import pecan
from pecan import rest
from wsme import types as wtypes

from cloudkitty.api import acl
from cloudkitty.api.v1 import base, report
from cloudkitty.storage import v1_compat


class RatedResource(wtypes.Base):
    service = wtypes.text
    volume = base.Decimal
    rating = base.Decimal
    desc = base.Json


class DataFrame(wtypes.Base):
    begin = base.Datetime
    end = base.Datetime
    tenant_id = wtypes.text
    resources = [RatedResource]


class DataFrameCollection(wtypes.Base):
    dataframes = [DataFrame]


class DataFramesController(rest.RestController):
    @base.wsexpose(DataFrameCollection, base.Datetime, base.Datetime, wtypes.text,
                   wtypes.text)
    def get_all(self, begin=None, end=None, tenant_id=None, resource_type=None):
        """Admins see every tenant unless they filter; others only their project."""
        forced = acl.forced_project()
        if forced is not None:
            tenant_id = forced
        acl.enforce('storage:list_data_frames',
                    {'project_id': tenant_id or pecan.request.context.project_id})
        begin, end = report.default_window(begin, end)
        items = v1_compat.dataframes(pecan.request.storage, begin, end, tenant_id,
                                     resource_type)
        return DataFrameCollection(dataframes=[
            DataFrame(begin=item['begin'], end=item['end'], tenant_id=item['tenant_id'],
                      resources=[RatedResource(**resource)
                                 for resource in item['resources']])
            for item in items])


class StorageController(rest.RestController):
    dataframes = DataFramesController()
