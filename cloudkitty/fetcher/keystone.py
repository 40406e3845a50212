"""Keystone fetcher: the scopes are the projects CloudKitty is asked to rate."""
from __future__ import annotations

from typing import Any

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import plugin as ks_plugin
from oslo_log import log as logging

from cloudkitty.common import exception, keystone
from cloudkitty.fetcher import base

LOG = logging.getLogger(__name__)

#: Operators opt a project in by giving the CloudKitty user this role on it.
RATING_ROLE = 'rating'


class FetchError(exception.CloudKittyError):
    """Keystone could not be reached or refused to list the projects."""

    _msg_fmt = 'Cannot list the projects in Keystone: %(reason)s'


class KeystoneFetcher(base.BaseFetcher):
    """Lists Keystone v3 projects, filtered by the ``rating`` role and enablement."""

    name = 'keystone'
    CONF_GROUP = 'fetcher_keystone'

    def __init__(self, conf):
        super().__init__(conf)
        options = conf[self.CONF_GROUP]
        self.ignore_rating_role: bool = options.ignore_rating_role
        self.ignore_disabled_tenants: bool = options.ignore_disabled_tenants
        self.session = keystone.load_session(
            conf, self.CONF_GROUP, keystone.load_auth(conf, self.CONF_GROUP))
        # The identity endpoint the credentials were checked against, in v3.
        self.identity = ks_adapter.Adapter(
            self.session, interface=ks_plugin.AUTH_INTERFACE,
            version=(int(options.keystone_version), 0))

    def get_tenants(self) -> list[str]:
        projects = self._get('/projects', 'projects')
        if self.ignore_disabled_tenants:
            projects = [project for project in projects if project.get('enabled', True)]
        if not self.ignore_rating_role:
            rated = self._rated_project_ids()
            projects = [project for project in projects if project['id'] in rated]
        LOG.debug('Keystone fetcher found %d projects to rate', len(projects))
        return [project['id'] for project in projects]

    def _rated_project_ids(self) -> set[str]:
        """Projects where our user holds the rating role directly.

        Two requests (the role, then its assignments to us) instead of one
        role listing per project.
        """
        roles = self._get('/roles', 'roles', name=RATING_ROLE)
        if not roles:
            LOG.warning('Keystone has no %r role: no project is rated (set '
                        '[fetcher_keystone] ignore_rating_role to rate them all)',
                        RATING_ROLE)
            return set()
        user_id = self.session.get_user_id()
        rated = set()
        for role in roles:
            assignments = self._get('/role_assignments', 'role_assignments',
                                    **{'user.id': user_id, 'role.id': role['id']})
            rated.update(assignment['scope']['project']['id'] for assignment in assignments
                         if 'project' in assignment.get('scope', {}))
        return rated

    def _get(self, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
        try:
            response = self.identity.get(path, params=params)
        except ks_exceptions.ClientException as error:
            raise FetchError(reason='GET %s: %s' % (path, error)) from None
        return response.json()[key]
