"""The wall-clock schedule of the worker loops."""
import pytest

from cloudkitty.processor.service import RETRY_FAILED_PASS, seconds_until_next_run

BOUNDARY = 1000 * 3600.0


@pytest.mark.parametrize('now, max_wait, expected', [
    # A pass starts one second after every period boundary, whatever the
    # previous pass cost: no drift.
    (BOUNDARY + 10, None, 3591),
    (BOUNDARY + 3599, None, 2),
    (BOUNDARY + 0.5, None, 0.5),
    (BOUNDARY, None, 1),
    # Reprocessing workers look for new schedules at least every minute.
    (BOUNDARY + 10, 60, 60),
])
def test_passes_follow_the_wall_clock(now, max_wait, expected):
    assert seconds_until_next_run(3600, max_wait, now) == pytest.approx(expected)


@pytest.mark.parametrize('now, max_wait, expected', [
    # An hour-long period: the failed pass is tried again a minute later...
    (BOUNDARY + 10, None, RETRY_FAILED_PASS),
    # ...unless the boundary comes first.
    (BOUNDARY + 3590, None, 11),
    (BOUNDARY + 10, 30, 30),
])
def test_a_failed_pass_is_tried_again_before_the_next_period(now, max_wait, expected):
    assert seconds_until_next_run(3600, max_wait, now, failed=True) == pytest.approx(expected)
