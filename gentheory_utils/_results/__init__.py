"""Benchmark outputs shipped as package data (see gentheory_utils.results)."""
