import datetime

from cloudkitty.common import tz
from cloudkitty.processor import rpc


def test_a_quote_is_priced_with_the_rules_active_at_this_very_instant():
    before = tz.utcnow()
    frame = rpc.build_quote_frame(
        [{'usage': {'cpu': [{'desc': {}, 'vol': {'qty': '1', 'unit': 'undef'}}]}}], 3600)
    # A rule created at "before" (sub-second precision) is active at the start.
    assert frame.start >= before
    assert frame.end - frame.start == datetime.timedelta(hours=1)
