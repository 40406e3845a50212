"""Options of the rating modules (``[pyscripts]``)."""
from oslo_config import cfg

PYSCRIPTS_OPTS = [
    cfg.BoolOpt('enabled', default=True,
                help='Allow the PyScripts rating module to run scripts. Scripts are '
                     'arbitrary, unsandboxed Python executed inside the processor with '
                     'its privileges (database and message bus credentials included), '
                     'so anyone allowed to upload a script can run code there. Set to '
                     'false to forbid this: while the module is enabled and active '
                     'scripts exist, rating then fails (and the period is retried '
                     'later) instead of silently skipping the scripts\' charges.'),
]

GROUPS = {'pyscripts': PYSCRIPTS_OPTS}
