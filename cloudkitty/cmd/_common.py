"""What every console script shares: clean exits on configuration errors."""
from __future__ import annotations

import functools
import sys
from collections.abc import Callable

from oslo_config import cfg

from cloudkitty.common import exception


def run_cli(main: Callable[[], int | None]) -> Callable[[], int]:
    """Turn configuration, usage and unreachable-database errors into one line on stderr."""

    @functools.wraps(main)
    def wrapper() -> int:
        try:
            return main() or 0
        except (exception.ConfigurationError, exception.Invalid,
                exception.DatabaseUnavailable, cfg.Error) as error:
            name = sys.argv[0].rsplit('/', 1)[-1] if sys.argv else 'cloudkitty'
            print('%s: error: %s' % (name, error), file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 130

    return wrapper
