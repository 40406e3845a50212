"""A logged-in Horizon user in headless Chromium, as the browser tests drive it.

Each page visit records its HTTP status, the time until the network is idle
(what a user waits for) and the HTML's time to first byte (the server-side
render, rating API calls included); ``VISITS`` collects them for the
session's timing report.
"""
from __future__ import annotations

import dataclasses
import html
import os
import tempfile
import time

from playwright.sync_api import BrowserContext, Page

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
#: Screenshots of the doc are refreshed by pointing this at doc/source/_static/horizon;
#: by default a run leaves the source tree untouched.
SCREENSHOT_DIR = os.environ.get('CLOUDKITTY_SCREENSHOT_DIR') or os.path.join(
    tempfile.gettempdir(), 'cloudkitty-browser-screenshots')
CHROMIUM = '/usr/bin/chromium'
CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
                  '--no-first-run', '--disable-background-networking',
                  '--disable-component-update', '--disable-sync',
                  '--disable-dev-shm-usage']
#: A Django DEBUG error page is ~60000 px tall: screenshots stop here.
MAX_SHOT_HEIGHT = 2400
TIMEOUT_MS = 60000


@dataclasses.dataclass
class Visit:
    user: str
    path: str
    status: int
    load_s: float
    ttfb_s: float | None


#: Every page visit of the session, in order (printed at the end of the run).
VISITS: list[Visit] = []


class Dashboard:
    """One user's browser context, logged in through Horizon's login form."""

    def __init__(self, context: BrowserContext, base_url: str, user: str):
        self.context = context
        self.base_url = base_url
        self.user = user
        context.set_default_timeout(TIMEOUT_MS)
        self.page: Page = context.new_page()

    def login(self, password: str) -> None:
        page = self.page
        page.goto(self.base_url + '/auth/login/', wait_until='load')
        page.fill('#id_username', self.user)
        page.fill('#id_password', password)
        # The login POST answers with one navigation, redirect or form again.
        with page.expect_navigation(wait_until='load'):
            page.click('#loginBtn', no_wait_after=True)
        if '/auth/login' in page.url:
            raise AssertionError('login of %s failed: %s' % (
                self.user, self.page.locator('.alert').all_inner_texts()))

    def open(self, path: str, screenshot: str | None = None, settle_ms: int = 300) -> Visit:
        """Load ``path``, wait for the network to settle; optionally save a screenshot."""
        started = time.monotonic()
        response = self.page.goto(self.base_url + path, wait_until='load')
        try:
            self.page.wait_for_load_state('networkidle', timeout=15000)
        except Exception:  # noqa: BLE001 (polling charts may never idle: keep the timing)
            pass
        load_s = time.monotonic() - started
        try:
            ttfb = round(response.request.timing['responseStart'] / 1000, 3)
        except (AttributeError, KeyError, TypeError):
            ttfb = None
        visit = Visit(self.user, path, response.status if response else 0,
                      round(load_s, 2), ttfb)
        VISITS.append(visit)
        self.page.wait_for_timeout(settle_ms)
        if screenshot:
            self.screenshot(screenshot)
        return visit

    def screenshot(self, name: str) -> str:
        os.makedirs(SCREENSHOT_DIR, exist_ok=True)
        path = os.path.join(SCREENSHOT_DIR, name + '.png')
        height = self.page.evaluate('document.documentElement.scrollHeight')
        width = self.page.viewport_size['width']
        self.page.screenshot(path=path, full_page=True, clip={
            'x': 0, 'y': 0, 'width': width, 'height': max(1, min(height, MAX_SHOT_HEIGHT))})
        return path

    def text(self, selector: str = 'body') -> str:
        return self.page.locator(selector).first.inner_text()

    def submit_form(self) -> None:
        """Submit the visible form (the first submit button is the hidden Sign Out)."""
        with self.page.expect_navigation(wait_until='load'):
            self.page.locator('form[id] [type=submit].btn-primary:visible').first.click(
                no_wait_after=True)

    def alerts(self) -> list[str]:
        return [text.strip() for text in self.page.locator(
            '.messages .alert, .alert-danger, .alert-success').all_inner_texts()
            if text.strip()]

    def error_summary(self) -> str:
        """The exception of a Django DEBUG 500 page ('' on other pages)."""
        locator = self.page.locator('#summary h1, #summary .exception_value')
        # The page escapes the message twice (&#x27; shows up in the text).
        return html.unescape(' / '.join(locator.all_inner_texts()))
