"""``/v2/task/reprocesses``: schedule and list reprocessing (contract §2.4)."""
from __future__ import annotations

import pecan
import voluptuous as vol
from pecan import rest

from cloudkitty.api import acl
from cloudkitty.api.v2 import base
from cloudkitty.db import reprocessing

LIST_QUERY = {
    vol.Optional('offset'): base.OFFSET,
    vol.Optional('limit'): base.LIMIT,
    vol.Optional('scope_ids'): base.multi,
    vol.Optional('order'): base.single,
}

POST_BODY = {
    vol.Required('scope_ids'): vol.All(vol.Any(str, [str]), base.multi,
                                       vol.Length(min=1)),
    vol.Required('start_reprocess_time'): base.to_datetime,
    vol.Required('end_reprocess_time'): base.to_datetime,
    vol.Required('reason'): str,
}


class ReprocessesController(rest.RestController):

    @base.endpoint
    def get(self, scope_id=None):
        """All schedules (finished ones too); a path scope id overrides scope_ids."""
        acl.enforce('schedule:get_task_reprocesses')
        params = base.query(LIST_QUERY)
        scope_ids = [scope_id] if scope_id else params.get('scope_ids')
        with pecan.request.db.session() as session:
            schedules = reprocessing.list_schedules(
                session, scope_ids, params.get('order', 'desc'),
                offset=params['offset'], limit=params['limit'])
            return base.reply({'results': [reprocessing.as_dict(schedule)
                                           for schedule in schedules]})

    @base.endpoint
    def post(self):
        acl.enforce('schedule:task_reprocesses')
        data = base.body(POST_BODY)
        request = pecan.request
        with request.db.session() as session:
            reprocessing.schedule(session, data['scope_ids'],
                                  data['start_reprocess_time'],
                                  data['end_reprocess_time'], data['reason'],
                                  request.conf.collect.period)
        return base.reply({}, 202)


class TaskController:
    reprocesses = ReprocessesController()
