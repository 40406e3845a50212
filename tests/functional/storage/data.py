"""Rated data shared by the storage tests, with hand-computed expectations."""
from __future__ import annotations

import datetime
from decimal import Decimal

from cloudkitty.dataframe import DataFrame, DataPoint  # noqa: F401 (re-exported)

HOUR = datetime.timedelta(hours=1)
MARCH = (datetime.datetime(2024, 3, 1), datetime.datetime(2024, 4, 1))
P1 = datetime.datetime(2024, 3, 1)    # day 61, week "08"
P2 = datetime.datetime(2024, 3, 2)    # day 62, week "08"
P3 = datetime.datetime(2024, 4, 1)    # outside MARCH


def time_keys(start: datetime.datetime) -> dict[str, str]:
    """The calendar groupby keys a collector adds to every point (§6.2)."""
    return {'day_of_the_year': str(start.timetuple().tm_yday),
            'week_of_the_year': start.strftime('%U'),
            'month': str(start.month), 'year': str(start.year)}


def point(start: datetime.datetime, project: str, resource: str, qty: str,
          price: str, **extra_groupby: str) -> DataPoint:
    return DataPoint.create(
        'unit', Decimal(qty), Decimal(price),
        {'project_id': project, 'id': resource, **time_keys(start), **extra_groupby},
        {'flavor': 'large' if resource == 'i2' else 'small'})


def frame(start: datetime.datetime, usage: dict[str, list[DataPoint]]) -> DataFrame:
    return DataFrame(start, start + HOUR, usage)


def small_cloud() -> list[DataFrame]:
    """Two projects, two types, two March periods and one April period."""
    return [
        frame(P1, {'cpu': [point(P1, 'p1', 'i1', '1', '0.5'),
                           point(P1, 'p2', 'i2', '2', '1.25')],
                   'volume': [point(P1, 'p1', 'v1', '10', '0.1', volume_type='ssd')]}),
        frame(P2, {'cpu': [point(P2, 'p1', 'i1', '1', '0.5')],
                   'volume': [point(P2, 'p2', 'v2', '5', '0.05', volume_type='ssd')]}),
        frame(P3, {'cpu': [point(P3, 'p1', 'i1', '1', '0.5')]}),
    ]


def push_by_scope(storage, frames: list[DataFrame]) -> None:
    """Push like the processor does: one call per scope."""
    for project in ('p1', 'p2'):
        scoped = [DataFrame(f.start, f.end, {
            metric_type: [p for p in points if p.groupby['project_id'] == project]
            for metric_type, points in f.itertypes()}) for f in frames]
        storage.push([f for f in scoped if len(f)], project)


# --- the upstream gabbi fixture (contract §11.1) ------------------------------

TENANT_1 = '8f82cc70-e50c-466e-8624-24bdea811375'
TENANT_2 = '7606a24a-b8ad-4ae0-be6c-3d7a41334a2e'
GABBI_START = datetime.datetime(2015, 1, 4, 13)
GABBI_WINDOW = (datetime.datetime(2015, 1, 1), datetime.datetime(2015, 2, 4))


def gabbi_frames(tenant: str, hours: int) -> list[DataFrame]:
    frames = []
    for hour in range(hours):
        start = GABBI_START + hour * HOUR

        def two(price: str) -> list[DataPoint]:
            return [DataPoint.create('nothing', 1, Decimal(price),
                                     {'fake_meta': 1.0, 'project_id': tenant},
                                     {'dummy': True}) for _ in range(2)]
        frames.append(frame(start, {'cpu': two('1.337'), 'image.size': two('0.121')}))
    return frames


def push_gabbi_fixture(storage) -> None:
    storage.push(gabbi_frames(TENANT_1, 56), TENANT_1)
    storage.push(gabbi_frames(TENANT_2, 28), TENANT_2)
