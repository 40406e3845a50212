"""``/v1/rating/module_config/hashmap``: the hashmap rules API (contract §1.4)."""
