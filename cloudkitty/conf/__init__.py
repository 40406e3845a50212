"""Configuration options, one module per option group.

Nothing is registered at import time: :func:`cloudkitty.service.prepare_service`
registers every group listed by :func:`cloudkitty.common.config.list_opts` on a
fresh :class:`oslo_config.cfg.ConfigOpts`.
"""
