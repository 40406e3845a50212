"""What the end-to-end processor tests expect, computed by hand, and how the API is read.

Shared by the tests that rate the synthetic history of ``e2e`` and compare
what storage and the API hold with the price list applied without hashmap.
"""
from __future__ import annotations

import datetime
from decimal import Decimal

from cloudkitty.dataframe import parse_datetime
from tests.functional.processor import e2e

#: The first hour of every synthetic history.
START = datetime.datetime(2024, 3, 4)

#: (period start, metric type, scope, resource id)
Key = tuple[datetime.datetime, str, str, str]


def expected_quantity(resource: e2e.Resource, raw: int) -> Decimal:
    """The collected quantity: image sizes are bytes, rated in GiB (metrics.yml factor)."""
    if resource.metric_type == 'image.size':
        return Decimal(raw) / e2e.GIB
    return Decimal(raw)


def expected_price(resource: e2e.Resource, qty: Decimal) -> Decimal:
    """The price list applied by hand to one resource for one hour."""
    tariff = e2e.TARIFF
    if resource.metric_type == 'instance':
        per_instance = tariff.flavor_flat[resource.attribute]
        if (resource.scope_id == tariff.override_scope
                and resource.attribute == tariff.override_flavor):
            per_instance = tariff.override_flat
        return per_instance * qty
    if resource.metric_type == 'volume.size':
        type_rate = tariff.volume_type_rate.get(resource.attribute, Decimal(1))
        return tariff.volume_flat * type_rate * qty
    if resource.metric_type == 'ip.floating':
        return tariff.ip_flat * qty
    price = tariff.image_flat * qty
    if qty >= tariff.image_threshold_level:
        price *= tariff.image_threshold_rate
    return price


def api_points(client, begin: datetime.datetime, end: datetime.datetime
               ) -> dict[Key, tuple[float, float]]:
    """GET /v2/dataframes, page after page, as a user would read it."""
    points: dict[Key, tuple[float, float]] = {}
    offset, total = 0, None
    while total is None or offset < total:
        page = client.get('/v2/dataframes', params={
            'begin': begin.isoformat(), 'end': end.isoformat(), 'offset': offset,
            'limit': 1000})
        assert page.status == 200, page.text
        total = page.json['total']
        for frame in page.json['dataframes']:
            period_begin = parse_datetime(frame['period']['begin'])
            for metric_type, usage in frame['usage'].items():
                for point in usage:
                    key = (period_begin, metric_type, point['groupby']['project_id'],
                           point['groupby']['id'])
                    assert key not in points, key
                    points[key] = (point['vol']['qty'], point['rating']['price'])
                    offset += 1
    assert len(points) == total
    return points


def api_summary(client, begin: datetime.datetime, end: datetime.datetime
                ) -> dict[tuple[datetime.datetime, str, str], tuple[float, float]]:
    response = client.get('/v2/summary', params={
        'begin': begin.isoformat(), 'end': end.isoformat(),
        'groupby': ['project_id', 'type', 'time'], 'response_format': 'object',
        'limit': 10000})
    assert response.status == 200, response.text
    rows = {(parse_datetime(row['begin']), row['project_id'], row['type']):
            (row['qty'], row['rate']) for row in response.json['results']}
    assert len(rows) == response.json['total']
    for row in response.json['results']:
        assert parse_datetime(row['end']) - parse_datetime(row['begin']) == e2e.HOUR
    return rows


def as_floats(expected: dict) -> dict:
    return {key: (float(qty), float(price)) for key, (qty, price) in expected.items()}
