"""`make bench`: every benchmark in turn."""

import sys

from bench import ingest, reconnect

status = ingest.main(sys.argv[1:])
sys.exit(status or reconnect.main([]))
