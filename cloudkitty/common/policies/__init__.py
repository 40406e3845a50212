"""Default policy rules, in code (contract §8.2).

``list_rules`` is the ``oslo.policy.policies`` entry point: the sample file and
the enforcer both come from here.
"""
import itertools

from cloudkitty.common.policies import base, collector, info, rating, storage, v2


def list_rules():
    return list(itertools.chain(base.list_rules(), collector.list_rules(),
                                info.list_rules(), rating.list_rules(),
                                storage.list_rules(), v2.list_rules()))
