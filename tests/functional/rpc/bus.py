"""Configuration shared by the RPC tests."""
from cloudkitty import messaging
from tests.unit.processor import doubles


def rpc_conf(db, **overrides):
    """A processor configuration on ``db`` with messaging options, quotes time out in 5 s."""
    conf = doubles.make_conf(database__connection=str(db.engine.url),
                             orchestrator__quote_timeout=5)
    messaging.register_opts(conf)
    for name, value in overrides.items():
        conf.set_override(name.split('__')[1], value)
    return conf
