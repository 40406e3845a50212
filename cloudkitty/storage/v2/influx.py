"""The v2 ``influxdb`` storage backend: rated points in InfluxDB 1.x (contract §7.3).

Layout: one point per rated point in measurement ``dataframes``; tags are the
groupby keys plus ``type``; fields are the metadata keys plus ``qty`` and
``price`` (floats, §3.5), ``unit``, ``description``, ``groupby`` and
``metadata`` (the ``|``-joined key lists, which tell tags from fields on
read) and ``__ck_collect_period`` (the frame length in seconds).

Choices worth knowing:

* The client is plain ``requests`` against ``/query`` and ``/write`` (line
  protocol): the ``influxdb`` package is unmaintained, and the two endpoints
  are all this backend needs. Queries are read in chunked mode, so a server
  ``max-row-limit`` never truncates a result silently.
* InfluxDB keeps one point per (series, timestamp): two identical points would
  overwrite each other. Each point's timestamp is therefore the frame start
  plus a nanosecond offset, counted on from the last point already stored in
  that second (one ``LAST`` query per frame start and process, then counted
  in memory). Points stay distinct and come back in push order; every query
  works on whole seconds, where the offset is invisible. Two processes
  pushing the very same point (type and groupby) into one frame could still
  collide; the processor never does (one scope at a time, deleted first).
* ``commit_period`` counts the period's points back after writing them and
  writes them again if some are missing: servers before 1.7 can lose a write
  that races a ``DELETE`` (influxdata/influxdb#10516). It deletes only when
  an earlier attempt left points, so normal processing sends no ``DELETE``.
* ``retrieve`` returns points in (frame start, type, push) order like the SQL
  backend, which InfluxDB's time order alone does not give; see
  :meth:`InfluxStorage.retrieve`.
* Floats hold about 15 significant digits: stored points are read back
  rounded to :data:`POINT_DIGITS` significant digits (exactly what was
  written when it had no more), sums to :data:`SUM_DIGITS`, which leaves room
  for the rounding error of adding up millions of floats.
* A point without the scope key in its groupby or metadata gets a scope tag
  from ``push(scope_id=...)``, left out of its ``groupby`` key list: it stays
  invisible on read while scope filters, groupbys and deletes see it.
* Tags hold text without line breaks or a trailing backslash (line protocol
  cannot carry them), fields hold strings, booleans and floats. A value that
  does not survive that (a non-string groupby value, a multi-line one, a
  nested metadata value...) is stored in the best form for filtering and
  grouping, and also exactly, as JSON, in the ``__ck_values`` field, which
  wins on read.
* Filters compare ``"k"='v'`` (``"k"=v`` for numbers), on tags and fields
  alike; a list of values is ORed. ``DELETE`` can only use tags (see
  :meth:`InfluxStorage.delete`) and acts on every retention policy.
* Points written by CloudKitty itself (same layout, no offsets, no
  ``__ck_values``) read back as they are.
* ``[storage_influxdb] version = 2`` (Flux) is refused at start-up.
"""
from __future__ import annotations

import datetime
import decimal
import json
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

import requests
from oslo_log import log as logging

from cloudkitty.common import exception
from cloudkitty.dataframe import DataFrame, DataPoint
from cloudkitty.db.engine import Database
from cloudkitty.storage import base, v1_compat

LOG = logging.getLogger(__name__)

MEASUREMENT = 'dataframes'
#: Points per ``/write`` request: a few megabytes of line protocol.
WRITE_BATCH_SIZE = 10000
#: Writes of one period before giving up on InfluxDB keeping them (see ``_push_checked``).
WRITE_ATTEMPTS = 3
#: Rows per chunk of a chunked query response.
QUERY_CHUNK_SIZE = 10000
POINT_DIGITS = 15
SUM_DIGITS = 12
DEFAULT_CUSTOM_FIELDS = 'SUM(qty) AS qty, SUM(price) AS rate'
PERIOD_FIELD = '__ck_collect_period'
EXACT_VALUES_FIELD = '__ck_values'
#: Field names of the layout: a metadata key named so is kept in ``__ck_values`` only.
_LAYOUT_FIELDS = frozenset({'qty', 'price', 'unit', 'description', 'groupby', 'metadata',
                            PERIOD_FIELD, EXACT_VALUES_FIELD, 'time'})
#: Integers beyond this lose digits as floats.
_EXACT_FLOAT_INTEGER = 2 ** 53
_NANOSECONDS = 10 ** 9
#: Frame starts whose next point offset a backend instance remembers.
_OFFSET_CACHE_SIZE = 4096
_EPOCH = datetime.datetime(1970, 1, 1)

#: Aggregates ``custom_fields`` may use: each takes one field, returns one value.
ALLOWED_AGGREGATES = frozenset({'COUNT', 'SUM', 'MEAN', 'MEDIAN', 'MODE', 'SPREAD',
                                'STDDEV', 'MIN', 'MAX', 'FIRST', 'LAST'})
_FORBIDDEN_KEYWORDS = frozenset({'select', 'from', 'drop', 'delete', 'create', 'alter',
                                 'insert', 'update'})
_IDENTIFIER = r'[A-Za-z_][A-Za-z0-9_]*'
_SELECT_ITEM = re.compile(
    r'\s*(?P<function>[A-Za-z]+)\s*\(\s*(?:"(?P<quoted>%s)"|(?P<bare>%s))\s*\)'
    r'\s+AS\s+(?P<alias>%s)\s*$' % (_IDENTIFIER, _IDENTIFIER, _IDENTIFIER), re.IGNORECASE)
#: Row keys an alias must not shadow.
_RESERVED_ALIASES = frozenset({'begin', 'end', 'time'})


class InfluxDBError(exception.CloudKittyError):
    """InfluxDB could not be reached or refused a request."""

    _msg_fmt = 'InfluxDB request failed: %(reason)s'


# --- custom_fields -----------------------------------------------------------

def parse_custom_fields(custom_fields: str | None) -> list[tuple[str, str, str]]:
    """``(FUNCTION, field, alias)`` of each item of a ``custom_fields`` select list.

    Only ``FUNC(field) AS alias`` items (field optionally double-quoted) with
    an aggregate of :data:`ALLOWED_AGGREGATES` are accepted, so nothing but a
    select list can reach the database; the query is rebuilt from the parsed
    parts. Raises :class:`exception.Invalid` naming the rejected item.
    """
    text = DEFAULT_CUSTOM_FIELDS if custom_fields is None else custom_fields
    items: list[tuple[str, str, str]] = []
    for item in text.split(','):
        words = {word.lower() for word in re.findall(r'[A-Za-z_]+', item)}
        forbidden = sorted(words & _FORBIDDEN_KEYWORDS)
        if forbidden:
            raise exception.Invalid('custom_fields must be a select list; %r contains the '
                                    'forbidden keyword %s.' % (item.strip(), forbidden[0]))
        match = _SELECT_ITEM.match(item)
        if match is None:
            raise exception.Invalid(
                'Invalid custom_fields item %r: expected FUNCTION(field) AS alias, '
                'for example SUM(qty) AS qty.' % item.strip())
        function = match['function'].upper()
        if function not in ALLOWED_AGGREGATES:
            raise exception.Invalid('Invalid custom_fields item %r: %s is not one of the '
                                    'aggregates %s.' % (item.strip(), function,
                                                        ', '.join(sorted(ALLOWED_AGGREGATES))))
        alias = match['alias']
        if alias.lower() in _RESERVED_ALIASES or alias in {a for _, _, a in items}:
            raise exception.Invalid('Invalid custom_fields alias %r: aliases must be unique '
                                    'and not begin, end or time.' % alias)
        items.append((function, match['quoted'] or match['bare'], alias))
    return items


# --- InfluxQL and line protocol text -------------------------------------------

def _quoted(text: str, quote: str) -> str:
    """``text`` as an InfluxQL string or identifier (its scanner knows ``\\n``)."""
    return quote + (text.replace('\\', '\\\\').replace(quote, '\\' + quote)
                    .replace('\n', '\\n')) + quote


def _identifier(name: str) -> str:
    return _quoted(name, '"')


def _literal(value: Any) -> str:
    """A filter value: numbers and booleans unquoted, anything else a quoted string."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (int, float, decimal.Decimal)):
        return repr(float(value)) if not isinstance(value, int) else str(value)
    return _quoted(str(value), "'")


def _batches(items: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _seconds(moment: datetime.datetime) -> int:
    return int((moment - _EPOCH).total_seconds())


def _time_condition(begin: datetime.datetime | None,
                    end: datetime.datetime | None) -> list[str]:
    conditions = []
    if begin is not None:
        conditions.append('time >= %ds' % _seconds(begin))
    if end is not None:
        conditions.append('time < %ds' % _seconds(end))
    return conditions


def _tag_value(value: Any) -> str:
    """The text a tag can hold for ``value``: no line break, no trailing backslash."""
    text = value if isinstance(value, str) else str(value)
    if '\n' in text or '\r' in text or text.endswith('\\'):
        text = text.replace('\r', ' ').replace('\n', ' ').rstrip('\\')
    return text


def _any_of(key: str, values: Iterable[Any]) -> str:
    """``"k"=v OR ...``; a value a tag cannot hold also matches its tag form."""
    terms = []
    for value in values:
        terms.append('%s=%s' % (_identifier(key), _literal(value)))
        if isinstance(value, str) and _tag_value(value) != value:
            terms.append('%s=%s' % (_identifier(key), _literal(_tag_value(value))))
    return '(%s)' % ' OR '.join(terms)


_LINE_ESCAPES = str.maketrans({',': r'\,', '=': r'\=', ' ': r'\ '})


def _escaped(text: str) -> str:
    """A tag key, tag value or field key escaped for line protocol.

    Most texts need no escape, and three ``in`` tests cost less than one
    ``translate`` (this runs several times per stored point).
    """
    if ' ' in text or ',' in text or '=' in text:
        return text.translate(_LINE_ESCAPES)
    return text


def _string_field(text: str) -> str:
    return '"%s"' % text.replace('\\', '\\\\').replace('"', '\\"')


def _field(value: Any) -> tuple[str | None, bool]:
    """(line protocol text or None to store nothing, whether it reads back exactly)."""
    if value is None:
        return None, True
    if isinstance(value, str):
        return _string_field(value), True
    if isinstance(value, bool):
        return ('true' if value else 'false'), True
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            return None, False
        return repr(number), not isinstance(value, int) or abs(value) < _EXACT_FLOAT_INTEGER
    return _string_field(json.dumps(value, sort_keys=True, default=str)), False


def _decimal(value: Any, digits: int) -> Any:
    """A number read from InfluxDB as a Decimal of at most ``digits`` digits."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, int):
        return decimal.Decimal(value)
    result = decimal.Decimal(format(value, '.%dg' % digits))
    return decimal.Decimal(int(result)) if result == result.to_integral_value() else result


def _attributes(row: dict[str, Any], kind: str,
                exact: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The ``groupby`` or ``metadata`` dict of a stored point, exact values first."""
    exact_values = exact.get(kind, {})
    return {key: exact_values[key] if key in exact_values else row.get(key)
            for key in (row[kind].split('|') if row[kind] else ())}


class InfluxStorage(base.BaseStorage):
    """Rated points in InfluxDB 1.x through InfluxQL (see the module docstring)."""

    def __init__(self, conf, db: Database | None = None):
        super().__init__(conf, db)
        self._db = db
        options = conf.storage_influxdb
        if options.version != 1:
            raise exception.ConfigurationError(
                reason='[storage_influxdb] version = %d is not supported: this backend '
                       'speaks InfluxQL to InfluxDB 1.x (version = 1)' % options.version)
        self._database = options.database
        self._measurement = '%s.%s' % (_identifier(options.retention_policy),
                                       _identifier(MEASUREMENT))
        self._retention_policy = options.retention_policy
        self._scope_key = conf.collect.scope_key
        self._period = conf.collect.period
        self._timeout = options.timeout
        self._url = '%s://%s:%d' % ('https' if options.use_ssl else 'http',
                                    options.host, options.port)
        self._http = requests.Session()
        #: frame start (s) -> next free nanosecond offset, most recent last.
        self._next_offsets: dict[int, int] = {}
        if options.username:
            self._http.auth = (options.username, options.password or '')
        if options.use_ssl:
            self._http.verify = False if options.insecure else (options.cafile or True)

    # --- HTTP ----------------------------------------------------------------

    def _post(self, endpoint: str, **kwargs) -> requests.Response:
        try:
            response = self._http.post(self._url + endpoint, timeout=self._timeout, **kwargs)
        except requests.RequestException as error:
            raise InfluxDBError(reason='cannot reach %s: %s' % (self._url, error)) from None
        if response.status_code >= 400:
            try:
                reason = response.json().get('error') or response.text
            except ValueError:
                reason = response.text
            raise InfluxDBError(reason='%s answered %d: %s' % (
                endpoint, response.status_code, reason.strip()))
        return response

    def _query(self, statement: str, database: bool = True) -> Iterator[dict[str, Any]]:
        """Every series of the answer (chunks of one series come one by one)."""
        data = {'q': statement, 'epoch': 'ns', 'chunked': 'true',
                'chunk_size': str(QUERY_CHUNK_SIZE)}
        if database:
            data['db'] = self._database
        LOG.debug('InfluxQL: %s', statement)
        response = self._post('/query', data=data, stream=True)
        with response:
            for line in response.iter_lines():
                if not line:
                    continue
                document = json.loads(line)
                if 'error' in document:
                    raise InfluxDBError(reason=document['error'])
                for result in document.get('results', ()):
                    if 'error' in result:
                        raise InfluxDBError(reason='%s (query: %s)' % (result['error'],
                                                                       statement))
                    yield from result.get('series', ())

    @staticmethod
    def _rows(series: dict[str, Any]) -> Iterator[dict[str, Any]]:
        columns = series['columns']
        for values in series.get('values', ()):
            yield dict(zip(columns, values, strict=True))

    # --- schema --------------------------------------------------------------

    def _warn_if_deletes_lose_writes(self) -> None:
        """Say so at start-up when the server has the DELETE/write race (see _push_checked)."""
        try:
            response = self._http.get(self._url + '/ping', timeout=self._timeout)
        except requests.RequestException:
            return  # the queries below report an unreachable server
        version = response.headers.get('X-Influxdb-Version', '')
        numbers = re.match(r'v?(\d+)\.(\d+)', version)
        if numbers and (int(numbers[1]), int(numbers[2])) < (1, 7):
            LOG.warning('InfluxDB %s can lose writes that race a DELETE '
                        '(influxdata/influxdb#10516): every rated period is counted back '
                        'and rewritten when points are missing, but reprocessing may still '
                        'hide points of other periods. Use InfluxDB 1.7 or later.', version)

    def init(self) -> None:
        """Create the database when missing; check the retention policy exists."""
        self._warn_if_deletes_lose_writes()
        databases = {row['name'] for series in self._query('SHOW DATABASES', database=False)
                     for row in self._rows(series)}
        if self._database not in databases:
            LOG.info('Creating InfluxDB database %s', self._database)
            list(self._query('CREATE DATABASE %s' % _identifier(self._database),
                             database=False))
        policies = {row['name'] for series in self._query(
            'SHOW RETENTION POLICIES ON %s' % _identifier(self._database))
            for row in self._rows(series)}
        if self._retention_policy not in policies:
            raise exception.ConfigurationError(
                reason='[storage_influxdb] retention_policy %r does not exist in database '
                       '%r (existing: %s)' % (self._retention_policy, self._database,
                                              ', '.join(sorted(policies))))

    # --- writing -------------------------------------------------------------

    def _line(self, metric_type: str, point: DataPoint, timestamp: int, period: int,
              scope_id: str | None) -> str:
        exact: dict[str, dict[str, Any]] = {}
        tags = {}
        for key, value in point.groupby.items():
            text = '' if value is None else _tag_value(value)
            if text and key != 'time':
                tags[key] = text
            if value is not None and (not text or text != value):
                exact.setdefault('groupby', {})[key] = value
        if (scope_id is not None and self._scope_key not in point.groupby
                and self._scope_key not in point.metadata):
            tags[self._scope_key] = _tag_value(scope_id)
        tags['type'] = metric_type
        fields = {'qty': repr(float(point.qty)), 'price': repr(float(point.price)),
                  'unit': _string_field(point.unit),
                  'groupby': _string_field('|'.join(point.groupby)),
                  'metadata': _string_field('|'.join(point.metadata)),
                  PERIOD_FIELD: '%di' % period}
        if point.description is not None:
            fields['description'] = _string_field(point.description)
        for key, value in point.metadata.items():
            text, is_exact = _field(value)
            if key in _LAYOUT_FIELDS:
                is_exact = False
            elif text is not None:
                fields[_escaped(key)] = text
            if not is_exact:
                exact.setdefault('metadata', {})[key] = value
        if exact:
            fields[EXACT_VALUES_FIELD] = _string_field(json.dumps(exact, default=str))
        return '%s,%s %s %d' % (
            MEASUREMENT,
            ','.join('%s=%s' % (_escaped(key), _escaped(tags[key])) for key in sorted(tags)),
            ','.join('%s=%s' % item for item in fields.items()),
            timestamp)

    def _next_offset(self, start: int) -> int:
        """The nanosecond offset after the last point stored in second ``start``.

        Asked once per frame start and process, then counted here: a
        processor worker pushes every scope of a period into the same frame.
        """
        offset = self._next_offsets.pop(start, None)
        if offset is None:
            offset = 0
            for series in self._query(
                    'SELECT LAST("qty") FROM %s WHERE time >= %ds AND time < %ds'
                    % (self._measurement, start, start + 1)):
                for row in self._rows(series):
                    offset = row['time'] - start * _NANOSECONDS + 1
            if len(self._next_offsets) >= _OFFSET_CACHE_SIZE:
                del self._next_offsets[next(iter(self._next_offsets))]
        return offset

    def _reserve_offsets(self, frames: list[DataFrame]) -> list[int]:
        """The first nanosecond offset of each frame's points, reserved in push order."""
        offsets = []
        for frame in frames:
            start = _seconds(frame.start)
            offset = self._next_offset(start)
            offsets.append(offset)
            self._next_offsets[start] = offset + len(frame)
        return offsets

    def _lines(self, frames: list[DataFrame], offsets: list[int],
               scope_id: str | None) -> Iterator[str]:
        """Line protocol of every point, each frame's points from its reserved offset on."""
        for frame, offset in zip(frames, offsets, strict=True):
            start = _seconds(frame.start)
            period = _seconds(frame.end) - start
            for index, (metric_type, point) in enumerate(frame.iterpoints()):
                yield self._line(metric_type, point, start * _NANOSECONDS + offset + index,
                                 period, scope_id)

    def _write(self, lines: Iterable[str]) -> int:
        """POST ``lines``, :data:`WRITE_BATCH_SIZE` per request; the number written."""
        params = {'db': self._database, 'rp': self._retention_policy, 'precision': 'n'}
        written = 0
        for batch in _batches(lines, WRITE_BATCH_SIZE):
            self._post('/write', params=params, data='\n'.join(batch).encode())
            written += len(batch)
        return written

    def push(self, dataframes: Iterable[DataFrame], scope_id: str | None = None) -> None:
        """Write every point, each with a timestamp of its own (see the module docstring)."""
        frames = list(dataframes)
        written = self._write(self._lines(frames, self._reserve_offsets(frames), scope_id))
        LOG.debug('Stored %d points for scope %s', written, scope_id)

    def _count(self, begin: datetime.datetime, end: datetime.datetime,
               scope_id: str) -> int:
        """How many points of the scope InfluxDB finds in [begin, end)."""
        where = ' AND '.join(_time_condition(begin, end)
                             + [_any_of(self._scope_key, [scope_id])])
        return sum(row['count'] for series in self._query(
            'SELECT COUNT("qty") FROM %s WHERE %s' % (self._measurement, where))
            for row in self._rows(series))

    def _push_checked(self, frames: list[DataFrame], scope_id: str,
                      begin: datetime.datetime, end: datetime.datetime) -> None:
        """Write the period's points and read their number back, rewriting until it matches.

        InfluxDB 1.x before 1.7 can drop a series from its index when a
        ``DELETE`` runs while the series is written (influxdata/influxdb#10516):
        the write succeeds, yet its points are never seen again. Writing the
        same points again (same timestamps, so nothing doubles) restores them.
        """
        expected = sum(len(frame) for frame in frames)
        offsets = self._reserve_offsets(frames)
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            self._write(self._lines(frames, offsets, scope_id))
            found = self._count(begin, end, scope_id)
            if found == expected:
                return
            LOG.warning('InfluxDB shows %d of the %d points written for scope %s in [%s, %s) '
                        '(attempt %d of %d)', found, expected, scope_id, begin, end, attempt,
                        WRITE_ATTEMPTS)
        raise InfluxDBError(reason='InfluxDB kept %d of the %d points written for scope %s '
                                   'in [%s, %s)' % (found, expected, scope_id, begin, end))

    def commit_period(self, scope_id: str, begin: datetime.datetime,
                      end: datetime.datetime, dataframes: list[DataFrame],
                      advance: base.AdvanceState) -> None:
        """Replace the scope's period, check it was kept, then advance.

        InfluxDB has no transactions: whatever an interrupted earlier attempt
        stored is deleted first (only when there is some: a ``DELETE`` racing
        other scopes' writes is what older servers mishandle), and the
        period's points are deleted again when ``advance`` raises, so a
        failed period leaves nothing behind.
        """
        scope = {self._scope_key: scope_id}
        if self._count(begin, end, scope_id):
            self.delete(begin, end, scope)
        if dataframes:
            self._push_checked(list(dataframes), scope_id, begin, end)
        try:
            advance(None)
        except Exception:
            self.delete(begin, end, scope)
            raise

    def delete(self, begin: datetime.datetime | None = None,
               end: datetime.datetime | None = None,
               filters: dict[str, Any] | None = None) -> None:
        """``DELETE FROM "dataframes" WHERE <time> AND <tag filters>``.

        InfluxQL deletes by time and tags only: a filter on a metadata key
        (a field) is refused with :class:`exception.Invalid` rather than
        silently deleting nothing.
        """
        conditions = _time_condition(begin, end)
        if filters:
            tags = {row['tagKey'] for series in self._query(
                'SHOW TAG KEYS FROM %s' % _identifier(MEASUREMENT))
                for row in self._rows(series)}
            fields = {row['fieldKey'] for series in self._query(
                'SHOW FIELD KEYS FROM %s' % _identifier(MEASUREMENT))
                for row in self._rows(series)}
            for key, value in filters.items():
                if key in fields and key not in tags:
                    raise exception.Invalid('InfluxDB can only delete by groupby attributes; '
                                            '%r is a metadata attribute.' % key)
                conditions.append(_any_of(key, base.filter_values(value)))
        statement = 'DELETE FROM %s' % _identifier(MEASUREMENT)
        if conditions:
            statement += ' WHERE ' + ' AND '.join(conditions)
        list(self._query(statement))
        LOG.debug('Deleted the points in [%s, %s) matching %s', begin, end, filters)

    # --- reading -------------------------------------------------------------

    @staticmethod
    def _where(begin: datetime.datetime, end: datetime.datetime,
               filters: dict[str, Any] | None,
               metric_types: str | list[str] | None) -> str:
        conditions = _time_condition(begin, end)
        for key, value in (filters or {}).items():
            conditions.append(_any_of(key, base.filter_values(value)))
        types = base.metric_type_list(metric_types)
        if types:
            conditions.append(_any_of('type', types))
        return ' WHERE ' + ' AND '.join(conditions)

    def retrieve(self, begin: datetime.datetime | None = None,
                 end: datetime.datetime | None = None,
                 filters: dict[str, Any] | None = None,
                 metric_types: str | list[str] | None = None,
                 offset: int = 0, limit: int = 1000,
                 paginate: bool = True) -> dict[str, Any]:
        """Points in (frame start, type, push) order, like every backend.

        InfluxDB orders by time only, and all types of a frame share its start
        second. So the matching points are first counted per (second, type)
        cell; the page is then read as a ``LIMIT/OFFSET`` slice of each cell
        it overlaps, all statements in one request.
        """
        begin, end = base.default_window(begin, end)
        where = self._where(begin, end, filters, metric_types)
        cells = sorted(
            (row['time'], (series.get('tags') or {}).get('type', ''), row['count'])
            for series in self._query('SELECT COUNT("qty") FROM %s%s GROUP BY time(1s),'
                                      '"type" fill(none)' % (self._measurement, where))
            for row in self._rows(series))
        total = sum(count for _, _, count in cells)
        if not paginate:
            statements = ['SELECT * FROM %s%s' % (self._measurement, where)]
        else:
            statements = list(self._page_statements(where, cells, offset, limit))
        if not statements:
            return {'total': total, 'dataframes': []}
        rows = [row for series in self._query(';'.join(statements))
                for row in self._rows(series)]
        rows.sort(key=lambda row: (row['time'] // _NANOSECONDS, row['type'], row['time']))
        frames: dict[tuple[datetime.datetime, datetime.datetime], DataFrame] = {}
        for row in rows:
            start = _EPOCH + datetime.timedelta(seconds=row['time'] // _NANOSECONDS)
            stop = start + datetime.timedelta(seconds=row[PERIOD_FIELD])
            frame = frames.get((start, stop))
            if frame is None:
                frame = frames[(start, stop)] = DataFrame(start, stop)
            exact = json.loads(row.get(EXACT_VALUES_FIELD) or '{}')
            frame.add_point(DataPoint(
                row['unit'], _decimal(row['qty'], POINT_DIGITS),
                _decimal(row['price'], POINT_DIGITS),
                _attributes(row, 'groupby', exact), _attributes(row, 'metadata', exact),
                row.get('description')), row['type'])
        return {'total': total, 'dataframes': list(frames.values())}

    def _page_statements(self, where: str, cells: list[tuple[int, str, int]],
                         offset: int, limit: int) -> Iterator[str]:
        """One ``SELECT`` per (second, type) cell overlapping [offset, offset+limit)."""
        position, stop = 0, offset + limit
        for second_ns, metric_type, count in cells:
            if position >= stop:
                return
            if position + count > offset:
                skip = max(offset - position, 0)
                take = min(stop, position + count) - position - skip
                second = second_ns // _NANOSECONDS
                yield 'SELECT * FROM %s%s AND time >= %ds AND time < %ds AND %s LIMIT %d ' \
                      'OFFSET %d' % (self._measurement, where, second, second + 1,
                                     _any_of('type', [metric_type]), take, skip)
            position += count

    def total(self, groupby: list[str] | None = None,
              begin: datetime.datetime | None = None,
              end: datetime.datetime | None = None,
              metric_types: str | list[str] | None = None,
              filters: dict[str, Any] | None = None,
              custom_fields: str | None = None,
              offset: int = 0, limit: int = 1000,
              paginate: bool = True) -> dict[str, Any]:
        """Aggregates per group computed by InfluxDB; sorting and paging in Python.

        ``custom_fields`` replaces the default select list
        (:data:`DEFAULT_CUSTOM_FIELDS`); see :func:`parse_custom_fields`.
        """
        keys = base.translate_groupby(groupby)
        selected = parse_custom_fields(custom_fields)
        begin, end = base.default_window(begin, end)
        group_terms = [_identifier(key) for key in keys if key != base.TIME_GROUPBY]
        if base.TIME_GROUPBY in keys:
            group_terms.insert(0, 'time(%ds)' % self._period)
        statement = 'SELECT %s FROM %s%s' % (
            ', '.join('%s(%s) AS %s' % (function, _identifier(field), _identifier(alias))
                      for function, field, alias in selected),
            self._measurement, self._where(begin, end, filters, metric_types))
        if group_terms:
            statement += ' GROUP BY ' + ','.join(group_terms)
        aliases = [alias for _, _, alias in selected]
        period = datetime.timedelta(seconds=self._period)
        rows = []
        for series in self._query(statement):
            tags = series.get('tags') or {}
            for values in self._rows(series):
                if all(values[alias] is None for alias in aliases):
                    continue
                row: dict[str, Any] = {'begin': begin, 'end': end}
                if base.TIME_GROUPBY in keys:
                    row['begin'] = _EPOCH + datetime.timedelta(
                        seconds=values['time'] // _NANOSECONDS)
                    row['end'] = row['begin'] + period
                for alias in aliases:
                    row[alias] = _decimal(values[alias], SUM_DIGITS)
                for key in keys:
                    if key != base.TIME_GROUPBY:
                        row[key] = tags.get(key, '')
                rows.append(row)
        rows.sort(key=lambda row: [row['begin'] if key == base.TIME_GROUPBY else row[key]
                                   for key in keys])
        results = rows[offset:offset + limit] if paginate else rows
        return {'total': len(rows), 'results': results}

    def get_tenants(self) -> list[str]:
        """Every scope identifier of the state table (the v1 tenants, §1.6)."""
        if self._db is None:
            self._db = Database.from_conf(self.conf)
        return v1_compat.scope_identifiers(self._db)
