"""Rules of /v1/report and /v1/storage."""
from cloudkitty.common.policies import base

RULES = [
    base.api_rule('report:list_tenants', base.ROLE_ADMIN,
                  'List the rated scopes.', [('GET', '/v1/report/tenants')]),
    base.api_rule('report:get_summary', base.PROJECT_READER_OR_ADMIN,
                  'Summarize the rated data of a project.',
                  [('GET', '/v1/report/summary')]),
    base.api_rule('report:get_total', base.PROJECT_READER_OR_ADMIN,
                  'Total of the rated data of a project.', [('GET', '/v1/report/total')]),
    base.api_rule('storage:list_data_frames', base.PROJECT_READER_OR_ADMIN,
                  'List the rated data frames of a project.',
                  [('GET', '/v1/storage/dataframes')]),
]


def list_rules():
    return RULES
