"""The rating processor: collect usage, rate it, store it, one period at a time.

* ``worker``: one scope-period, the hot path (collect -> rate -> filter -> store);
* ``orchestrator``: which scope and period comes next, under per-scope locks;
* ``reprocessor``: re-rating of already processed periods on request;
* ``rpc``: the quote, scope reset and module notification endpoints;
* ``service``: the ``cloudkitty-processor`` worker processes.
"""
