"""``cloudkitty-processor``: the rating worker processes."""
from __future__ import annotations

import sys

from cloudkitty import service
from cloudkitty.cmd._common import run_cli
from cloudkitty.processor import service as processor_service


@run_cli
def main() -> int:
    conf = service.prepare_service(sys.argv[1:])
    processor_service.run(conf)
    return 0
