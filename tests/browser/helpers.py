"""What the browser tests compare: the dashboard's rendering of API numbers."""
from __future__ import annotations

import datetime
import decimal
import re
from collections.abc import Callable
from typing import Any

from cloudkitty.common import tz

_REPORTING_TOTAL = re.compile(r'"label":\s*"([^"]+)",\s*"value":\s*([-\d.Ee+]+)')


def money(rate: Any) -> str:
    """A rate as the dashboard prints it (utils.formatRate: float, 2 decimals)."""
    return f'{round(float(rate), 2):.2f}'


def by_type(rows: list[dict[str, Any]]) -> dict[str, str]:
    return {row['type']: money(row['rate']) for row in rows}


def total(rows: list[dict[str, Any]]) -> str:
    return money(sum(decimal.Decimal(str(row['rate'])) for row in rows))


def month_start_iso() -> str:
    return tz.month_start().isoformat()


def now_iso() -> str:
    return tz.utcnow().isoformat()


def end_of_today_iso() -> str:
    today = tz.utcnow().date()
    return datetime.datetime.combine(today, datetime.time(23, 59, 59)).isoformat()


def reporting_totals(html: str) -> dict[str, str]:
    """The per-type month totals the Reporting panel embeds for its donut chart."""
    return {label: money(value) for label, value in _REPORTING_TOTAL.findall(html)}


def same_as_api(read_page: Callable[[], Any], read_api: Callable[[], Any]) -> tuple[Any, Any]:
    """The page's value and the API's, read around it.

    The processor keeps rating new hours while the suite runs: the page must
    equal the API read just before or just after it.
    """
    before = read_api()
    shown = read_page()
    after = read_api()
    return shown, (before if shown == before else after)


def cells(board, selector: str) -> list[list[str]]:
    return [[cell.strip() for cell in row.locator('td').all_inner_texts()]
            for row in board.page.locator(selector).all()]


def rating_page(board) -> tuple[str, dict[str, str]]:
    """Project > Rating: the Current Month card and the breakdown table."""
    board.open('/project/rating/', screenshot='%s-project-rating' % board.user)
    card = board.page.locator(
        '.panel:has(h3.panel-title:text-is("Current Month")) p.h2').inner_text().strip()
    rows = cells(board, '.panel:has(h3.panel-title:text-is("Current Month Breakdown")) '
                         'table tbody tr')
    return card, {row[0]: row[1] for row in rows if len(row) == 3}
