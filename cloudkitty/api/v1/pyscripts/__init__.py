"""``/v1/rating/module_config/pyscripts``: the PyScripts API (contract §1.5)."""
