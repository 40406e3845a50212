"""The PyScripts rating module: operator-supplied Python run on each frame (§4.3).

Scripts are trusted code: they run unsandboxed in the processor. The
``[pyscripts] enabled`` option lets an operator forbid them altogether.
"""
from __future__ import annotations

import dataclasses
import datetime
import types
import zlib

import sqlalchemy as sa
from oslo_log import log as logging

from cloudkitty.common import exception
from cloudkitty.dataframe import DataFrame
from cloudkitty.db.models import PyScript
from cloudkitty.rating.base import RatingModule
from cloudkitty.rating.pyscripts import codec
from cloudkitty.rating.rules_cache import RulesCache, Timeline

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class CompiledScript:
    name: str
    code: types.CodeType


_WINDOWS = sa.select(PyScript.start, PyScript.end).where(PyScript.deleted.is_(None)).distinct()


def _timeline(session) -> Timeline:
    """The live scripts' activity windows."""
    return Timeline.of(session.execute(_WINDOWS))


class PyScripts(RatingModule):
    """Runs every active script, in database order, on the frame."""

    name = 'pyscripts'
    description = 'PyScripts rating module: prices computed by Python scripts.'
    hot_config = True

    def __init__(self, conf, db):
        super().__init__(conf, db)
        self._scripts: list[CompiledScript] = []
        self._cache: RulesCache[list[CompiledScript]] = RulesCache(db, _timeline)

    def _error(self, reason: str) -> exception.RatingError:
        return exception.RatingError(module=self.name, reason=reason)

    def reload(self, start: datetime.datetime, tenant_id: str | None) -> None:
        """Compile the scripts active at ``start`` (scripts apply to every tenant)."""
        self._scripts = []
        with self.db.session() as session:
            self._scripts = self._load(session, start)

    def refresh(self, start: datetime.datetime, tenant_id: str | None,
                rules_version: int | None) -> None:
        """Reuse the scripts compiled for an earlier period when the same ones are active."""
        self._scripts = []
        # Scripts have no tenant: every scope shares the same compiled scripts.
        self._scripts = self._cache.get(rules_version, start, None,
                                        lambda session: self._load(session, start))

    def _load(self, session, start: datetime.datetime) -> list[CompiledScript]:
        rows = session.execute(
            sa.select(PyScript.name, PyScript.data)
            .where(PyScript.start <= start,
                   sa.or_(PyScript.end.is_(None), PyScript.end > start),
                   PyScript.deleted.is_(None))
            .order_by(PyScript.id)).all()
        if rows and not self.conf.pyscripts.enabled:
            raise self._error(
                'refusing to run %d active script(s) because [pyscripts] enabled is false; '
                'disable the pyscripts module or allow scripts' % len(rows))
        return [self._compile(name, data) for name, data in rows]

    def _compile(self, name: str, data: bytes) -> CompiledScript:
        try:
            source = codec.decompress(data)
        except (zlib.error, UnicodeDecodeError) as error:
            raise self._error('script %r cannot be decoded: %s' % (name, error)) from None
        try:
            code = compile(source, '<pyscript %s>' % name, 'exec')
        except (SyntaxError, ValueError) as error:
            raise self._error('script %r does not compile: %s' % (name, error)) from None
        return CompiledScript(name, code)

    def process(self, frame: DataFrame) -> DataFrame:
        for script in self._scripts:
            frame = self._run(script, frame)
        return frame

    def _run(self, script: CompiledScript, frame: DataFrame) -> DataFrame:
        script_globals = {'data': frame.as_dict()}
        try:
            exec(script.code, script_globals)  # noqa: S102 - trusted operator code
        except (Exception, SystemExit) as error:  # a script's exit() must not stop us
            raise self._error('script %r failed: %s: %s' % (
                script.name, type(error).__name__, error)) from error
        try:
            return DataFrame.from_dict(script_globals.get('data'))
        except (ValueError, TypeError) as error:
            raise self._error('script %r returned invalid data: %s' % (
                script.name, error)) from None
