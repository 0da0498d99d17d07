"""Side-by-side benchmarks of gradlab against its peers (issue 8).

Run ``python -m benchmarks --help``.  This package must stay cheap to import:
the child processes that do the timing import it first, and its import time is
part of every fresh-process measurement.
"""
