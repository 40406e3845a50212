"""v2 query validation stays right while other schemas are being compiled."""
import threading

import voluptuous as vol

from cloudkitty.api.v2 import base, dataframes, summary


def test_validation_is_unaffected_by_concurrent_compiles():
    """Schemas sharing LIMIT/OFFSET compile on other threads (first requests
    of other endpoints): validating must still convert every value."""
    schema = base.compiled(dataframes.QUERY)
    stop = threading.Event()
    wrong: list[object] = []

    def compile_others():
        while not stop.is_set():
            # What a first request of another endpoint does with the shared validators.
            vol.Schema({vol.Optional('limit'): base.LIMIT, vol.Optional('offset'): base.OFFSET})

    def validate():
        for _ in range(3000):
            result = schema({'limit': ['7'], 'offset': ['3']})
            if (result['limit'], result['offset']) != (7, 3):
                wrong.append(result)

    compiler = threading.Thread(target=compile_others)
    validators = [threading.Thread(target=validate) for _ in range(3)]
    compiler.start()
    for thread in validators:
        thread.start()
    for thread in validators:
        thread.join()
    stop.set()
    compiler.join()

    assert wrong == []


def test_each_schema_is_compiled_once():
    assert base.compiled(summary.QUERY) is base.compiled(summary.QUERY)
    assert base.compiled(summary.QUERY) is not base.compiled(dataframes.QUERY)
