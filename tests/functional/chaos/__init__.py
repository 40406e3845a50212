"""Chaos tests: real processors, real servers, faults injected while rating."""
