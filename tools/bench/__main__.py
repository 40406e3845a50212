"""``python -m tools.bench``: the whole suite (see :mod:`tools.bench.suite`)."""
import sys

from tools.bench.suite import main

sys.exit(main())
