"""Benchmarks, run by `make bench`. Each prints a table and writes its figures under bench/out/."""
