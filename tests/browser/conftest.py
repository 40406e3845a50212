"""One Keystone, rating service (API + processor), Horizon and Chromium per session."""
from __future__ import annotations

import os
import time

import pytest

from tests.browser import dashboard, stack
from tests.fixtures import horizon, keystone, servers, service_venvs
from tests.fixtures.keystone import keystone_server  # noqa: F401

_SESSION_STARTED = time.monotonic()


@pytest.fixture(scope='session')
def rating_stack(keystone_server, tmp_path_factory):  # noqa: F811
    workdir = str(tmp_path_factory.mktemp('rating'))
    try:
        yield from stack.start(workdir, keystone_server.auth_url, keystone_server.projects)
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope='session')
def horizon_server(rating_stack, tmp_path_factory):
    try:
        venv = service_venvs.ensure(service_venvs.HORIZON)
        horizon.prepare(venv)
    except (service_venvs.VenvError, horizon.HorizonError) as error:
        servers.missing('cannot install Horizon: %s' % error)
    workdir = str(tmp_path_factory.mktemp('horizon'))
    process, server = horizon.start(venv, rating_stack.auth_url, workdir, servers.free_port())
    try:
        yield server
    finally:
        horizon.stop(process)


@pytest.fixture(scope='session')
def browser():
    if not os.path.exists(dashboard.CHROMIUM):
        servers.missing('no Chromium at %s (Debian package chromium)' % dashboard.CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        servers.missing('the playwright Python package is not installed')
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=dashboard.CHROMIUM,
                                              headless=True, args=dashboard.CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _dashboard(browser, horizon_server, user: str, password: str):
    context = browser.new_context(viewport={'width': 1400, 'height': 900})
    board = dashboard.Dashboard(context, horizon_server.url, user)
    board.login(password)
    return board, context


@pytest.fixture(scope='session')
def admin(browser, horizon_server):
    board, context = _dashboard(browser, horizon_server, 'admin', keystone.ADMIN_PASSWORD)
    yield board
    context.close()


@pytest.fixture(scope='session')
def demo(browser, horizon_server):
    board, context = _dashboard(browser, horizon_server, stack.DEMO_USER,
                                stack.DEMO_PASSWORD)
    yield board
    context.close()


def pytest_terminal_summary(terminalreporter):
    if not dashboard.VISITS:
        return
    write = terminalreporter.write_line
    terminalreporter.section('Horizon page loads (network idle / HTML first byte)')
    for visit in dashboard.VISITS:
        write('%-6s %-58s %3d %6.2fs %6ss' % (
            visit.user, visit.path[:58], visit.status, visit.load_s,
            '%.2f' % visit.ttfb_s if visit.ttfb_s is not None else '-'))
    write('browser session: %.0fs' % (time.monotonic() - _SESSION_STARTED))
