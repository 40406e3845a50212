"""A small sample cloud: usage generator, metrics.yml and hashmap rules."""
