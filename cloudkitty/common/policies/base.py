"""Base rules the API rules are built from."""
from oslo_policy import policy

ROLE_ADMIN = 'role:admin'
UNPROTECTED = ''
PROJECT_READER_OR_ADMIN = 'rule:project_reader_or_admin'
PROJECT_MEMBER_OR_ADMIN = 'rule:project_member_or_admin'
SCOPE_TYPES = ['project']

_DEPRECATED_REASON = (
    'The admin_or_owner rule is replaced by role-based rules (reader, member, '
    'admin) scoped to the project.')

ADMIN_OR_OWNER = ('is_admin:True or (role:admin and is_admin_project:True) or '
                  'project_id:%(project_id)s')


def _project_rule(name: str, check_str: str, description: str) -> policy.RuleDefault:
    """A role-based project rule that still accepts the old admin_or_owner check."""
    deprecated = policy.DeprecatedRule(name=name, check_str='rule:admin_or_owner',
                                       deprecated_reason=_DEPRECATED_REASON,
                                       deprecated_since='2024.1')
    return policy.RuleDefault(name=name, check_str=check_str, description=description,
                              scope_types=SCOPE_TYPES, deprecated_rule=deprecated)


RULES = [
    policy.RuleDefault(name='context_is_admin', check_str=ROLE_ADMIN,
                       description='Decides who is an administrator.'),
    policy.RuleDefault(name='admin_or_owner', check_str=ADMIN_OR_OWNER,
                       description='Deprecated: administrator or owner of the project.'),
    policy.RuleDefault(name='default', check_str=UNPROTECTED,
                       description='Rule used when no rule matches.'),
    _project_rule('project_member_api', 'role:member and project_id:%(project_id)s',
                  'Member of the target project.'),
    _project_rule('project_reader_api', 'role:reader and project_id:%(project_id)s',
                  'Reader of the target project.'),
    _project_rule('project_member_or_admin',
                  'rule:project_member_api or rule:context_is_admin',
                  'Member of the target project, or administrator.'),
    _project_rule('project_reader_or_admin',
                  'rule:project_reader_api or rule:context_is_admin',
                  'Reader of the target project, or administrator.'),
]


def api_rule(name: str, check_str: str, description: str,
             operations: list[tuple[str, str]]) -> policy.DocumentedRuleDefault:
    """A documented API rule; ``operations`` are (method, path) pairs."""
    return policy.DocumentedRuleDefault(
        name=name, check_str=check_str, description=description,
        operations=[{'method': method, 'path': path} for method, path in operations],
        scope_types=SCOPE_TYPES)


def list_rules():
    return RULES
