"""Benchmarks (`make bench`, not timed tests): each module has main(args) and prints one line per figure."""
