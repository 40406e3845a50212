"""Rated data pushed through the storage driver for the report/summary/dataframes tests.

Tenant A has 4 hourly periods from 2015-01-04T13:00, tenant B the first 2.
Each period holds ``cpu`` (2 points, qty 1, price 1.337) and ``image.size``
(2 points, qty 1, price 0.121), grouped by ``project_id`` and ``fake_meta``.
"""
from __future__ import annotations

import datetime
import decimal

from cloudkitty import storage
from cloudkitty.dataframe import DataFrame, DataPoint

TENANT_A = '8f82cc70-e50c-466e-8624-24bdea811375'
TENANT_B = '7606a24a-b8ad-4ae0-be6c-3d7a41334a2e'
START = datetime.datetime(2015, 1, 4, 13)
HOUR = datetime.timedelta(hours=1)
PRICES = {'cpu': decimal.Decimal('1.337'), 'image.size': decimal.Decimal('0.121')}
PERIODS = {TENANT_A: 4, TENANT_B: 2}


def frames_of(tenant: str) -> list[DataFrame]:
    frames = []
    for index in range(PERIODS[tenant]):
        begin = START + index * HOUR
        frame = DataFrame(begin, begin + HOUR)
        for metric_type, price in PRICES.items():
            frame.add_points([DataPoint.create(
                'nothing', 1, price, groupby={'fake_meta': 1.0, 'project_id': tenant},
                metadata={'dummy': True}) for _ in range(2)], metric_type)
        frames.append(frame)
    return frames


def push_sample_data(client) -> None:
    driver = storage.get_storage(client.conf, client.db)
    for tenant in PERIODS:
        driver.push(frames_of(tenant), tenant)


def expected_total(tenant: str | None = None, metric_type: str | None = None):
    tenants = [tenant] if tenant else list(PERIODS)
    types = [metric_type] if metric_type else list(PRICES)
    return sum((2 * PRICES[t] * PERIODS[s] for s in tenants for t in types),
               decimal.Decimal(0))
