from cloudkitty import messaging


class _Conf:
    """Stands for a ConfigOpts: identity is all the cache may rely on."""


def test_an_entry_is_only_returned_for_the_very_config_that_made_it():
    cache = messaging._PerConf()
    old_conf, new_conf = _Conf(), _Conf()
    cache.setdefault(old_conf, 'old transport')
    # What happens when a freed config's id is reused by a new one.
    cache._entries[id(new_conf)] = (old_conf, 'old transport')
    assert cache.get(new_conf) is None
    assert cache.setdefault(new_conf, 'new transport') == 'new transport'
    assert cache.get(new_conf) == 'new transport'


def test_pop_forgets_the_entry():
    cache = messaging._PerConf()
    conf = _Conf()
    cache.setdefault(conf, 'server')
    assert cache.pop(conf) == 'server'
    assert cache.get(conf) is None
    assert cache.pop(conf) is None
