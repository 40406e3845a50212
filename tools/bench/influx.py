#!/usr/bin/env python3
"""The storage benchmark (:mod:`tools.bench.storage`) on a private InfluxDB 1.x.

``influxd`` (Debian package ``influxdb``) is started on a free loopback port
with a temporary data directory and stopped at the end; the flags are those
of the storage benchmark, with ``--backends influxdb`` by default.

    python -m tools.bench.influx --output /tmp/bench_influx.json
"""
from __future__ import annotations

import sys

from tools.bench import storage

if __name__ == '__main__':
    sys.exit(storage.main(default_backends='influxdb'))
