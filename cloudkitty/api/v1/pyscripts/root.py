"""``/v1/rating/module_config/pyscripts/scripts`` (contract §1.5).

Scripts are stored compressed with a checksum (the rating module's codec);
this is the one place that turns source text into that form and back.
"""
from __future__ import annotations

from typing import Any

import pecan
import wsme.exc
from pecan import rest
from wsme import types as wtypes

from cloudkitty.api.v1 import base
from cloudkitty.api.v1.hashmap import types as rule_types  # shared volatile-rule types
from cloudkitty.common import context
from cloudkitty.db import pyscripts, volatile_rules
from cloudkitty.rating.pyscripts import codec


class Script(wtypes.Base):
    script_id = rule_types.Uuid
    name = wtypes.wsattr(rule_types.TEXT_255, mandatory=True)
    data = wtypes.text
    checksum = wtypes.text
    created_at = base.Datetime
    start = base.Datetime
    end = rule_types.EndDatetime
    description = rule_types.DESCRIPTION
    deleted = base.Datetime
    created_by = wtypes.text
    updated_by = wtypes.text
    deleted_by = wtypes.text

    @classmethod
    def from_record(cls, record: pyscripts.Script, with_data: bool = True) -> Script:
        script = cls(script_id=record.script_id, name=record.name,
                     checksum=record.checksum, created_at=record.created_at,
                     start=record.start, end=record.end, description=record.description,
                     deleted=record.deleted, created_by=record.created_by,
                     updated_by=record.updated_by, deleted_by=record.deleted_by)
        if with_data:
            script.data = codec.decompress(record.data)
        return script


class ScriptCollection(wtypes.Base):
    scripts = [Script]


def _rules() -> pyscripts.PyScriptRules:
    return pyscripts.PyScriptRules(pecan.request.db)


def _audit_user() -> str:
    return context.audit_user(pecan.request.context)


def _encoded_update(script: Script) -> dict[str, Any]:
    """The sent attributes, with the source encoded and its checksum computed."""
    body = rule_types.sent_attributes(script, {})
    body.pop('checksum', None)
    if body.get('data') is not None:
        source = body['data']
        body['data'], body['checksum'] = codec.compress(source), codec.checksum(source)
    else:
        body.pop('data', None)
    return body


class ScriptsController(rest.RestController):
    @base.wsexpose(ScriptCollection, bool, bool, base.Datetime, base.Datetime,
                   wtypes.text, wtypes.text, wtypes.text, wtypes.text, bool)
    def get_all(self, no_data=False, deleted=False, start=None, end=None,
                updated_by=None, created_by=None, deleted_by=None, description=None,
                is_active=None):
        window = volatile_rules.RuleWindowFilters(
            deleted=bool(deleted), start=start, end=end, created_by=created_by,
            updated_by=updated_by, deleted_by=deleted_by, description=description,
            is_active=is_active)
        return ScriptCollection(scripts=[
            Script.from_record(record, with_data=not no_data)
            for record in _rules().list_scripts(window)])

    @base.wsexpose(Script, wtypes.text)
    def get_one(self, script_id):
        return Script.from_record(_rules().get_script(script_id))

    @base.wsexpose(Script, bool, body=Script, status_code=201)
    def post(self, force=False, script_data=None):
        # Upstream answers 500 without data (contract §12.7): it is the client's mistake.
        rule_types.require(script_data, 'name', 'data')
        source = script_data.data
        record = _rules().create_script(
            name=script_data.name, data=codec.compress(source),
            checksum=codec.checksum(source), start=rule_types.given(script_data.start),
            end=rule_types.given(script_data.end),
            description=rule_types.given(script_data.description),
            force=bool(force), user=_audit_user())
        return base.created(Script.from_record(record), record.script_id)

    @base.wsexpose(Script, wtypes.text, body=Script, status_code=201)
    def put(self, script_id=None, script_data=None):
        """Update; answers 201 with the script and upstream's doubled-id ``Location``."""
        rule_types.require(script_data, 'name')
        script_id = script_id or rule_types.given(script_data.script_id)
        if not script_id:
            raise wsme.exc.MissingArgument('script_id')
        record = _rules().update_script(script_id, _encoded_update(script_data),
                                        user=_audit_user())
        return base.created(Script.from_record(record), record.script_id)

    @base.wsexpose(None, wtypes.text, status_code=204)
    def delete(self, script_id):
        """Soft delete: the script stops running and its name is free again."""
        _rules().delete_script(script_id, user=_audit_user())


class PyScriptsConfigController(rest.RestController):
    scripts = ScriptsController()
