"""`make bench`: every benchmark in turn."""

import sys

from bench import ingest

sys.exit(ingest.main(sys.argv[1:]))
