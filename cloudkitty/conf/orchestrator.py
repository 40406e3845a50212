"""Options of the ``[orchestrator]`` group (the processor)."""
import os

from oslo_config import cfg

ORCHESTRATOR_OPTS = [
    cfg.StrOpt('coordination_url', default='file:///var/lib/cloudkitty/locks',
               secret=True,
               help='tooz backend URL used for the per-scope locks.'),
    cfg.IntOpt('max_workers', default=os.cpu_count() or 1, sample_default=4, min=0,
               help='Number of processor worker processes (0 disables them).'),
    cfg.IntOpt('max_workers_reprocessing', default=os.cpu_count() or 1,
               sample_default=4, min=0,
               help='Number of reprocessing worker processes (0 disables them).'),
    cfg.IntOpt('max_threads', default=16, min=1,
               deprecated_opts=[cfg.DeprecatedOpt('max_greenthreads',
                                                  group='orchestrator')],
               help='Number of threads a worker uses to collect metrics in '
                    'parallel.'),
    cfg.StrOpt('skip_datapoints_expression', default='False',
               help='Python expression evaluated for every rated point (as '
                    '"datapoint"); a true result drops the point before storage.'),
    cfg.IntOpt('collector_request_timeout', default=300, min=30,
               help='Timeout, in seconds, of the collection of one period.'),
    cfg.IntOpt('quote_timeout', default=30, min=1,
               help='Seconds the API waits for a processor to answer a quote '
                    'request before answering 503.'),
    cfg.StrOpt('rpc_topic', default='cloudkitty',
               help='RPC topic shared by the API and the processors; change it only '
                    'to run independent deployments on one message bus.'),
    cfg.IntOpt('reset_lock_timeout', default=60, min=0,
               help='Seconds a scope reset waits for the lock of a scope being '
                    'rated before giving up on that scope.'),
]

GROUPS = {'orchestrator': ORCHESTRATOR_OPTS}
