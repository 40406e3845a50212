"""Rules of the v2 API."""
from cloudkitty.common.policies import base

RULES = [
    base.api_rule('dataframes:add', base.ROLE_ADMIN, 'Add rated data frames.',
                  [('POST', '/v2/dataframes')]),
    base.api_rule('dataframes:get', base.PROJECT_READER_OR_ADMIN,
                  'List rated data frames.', [('GET', '/v2/dataframes')]),
    base.api_rule('v2_rating:list_modules', base.ROLE_ADMIN,
                  'List rating modules (not enforced, as upstream).',
                  [('GET', '/v2/rating/modules')]),
    base.api_rule('v2_rating:get_module', base.ROLE_ADMIN, 'Show a rating module.',
                  [('GET', '/v2/rating/modules/{module_id}')]),
    base.api_rule('v2_rating:update_module', base.ROLE_ADMIN,
                  'Enable, disable or reprioritize a rating module.',
                  [('PUT', '/v2/rating/modules/{module_id}')]),
    base.api_rule('scope:get_state', base.ROLE_ADMIN, 'List scope states.',
                  [('GET', '/v2/scope')]),
    base.api_rule('scope:reset_state', base.ROLE_ADMIN, 'Reset scope states.',
                  [('PUT', '/v2/scope')]),
    base.api_rule('scope:patch_state', base.ROLE_ADMIN, 'Update one scope state.',
                  [('PATCH', '/v2/scope')]),
    base.api_rule('scope:post_state', base.ROLE_ADMIN, 'Create a scope state.',
                  [('POST', '/v2/scope')]),
    base.api_rule('summary:get_summary', base.PROJECT_READER_OR_ADMIN,
                  'Summarize rated data.', [('GET', '/v2/summary')]),
    base.api_rule('schedule:task_reprocesses', base.ROLE_ADMIN,
                  'Schedule reprocessing tasks.', [('POST', '/v2/task/reprocesses')]),
    base.api_rule('schedule:get_task_reprocesses', base.ROLE_ADMIN,
                  'List reprocessing tasks.',
                  [('GET', '/v2/task/reprocesses'),
                   ('GET', '/v2/task/reprocesses/{scope_id}')]),
]


def list_rules():
    return RULES
