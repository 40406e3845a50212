"""Rating modules (hashmap, pyscripts, noop) and the pipeline running them."""
