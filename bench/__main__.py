"""`make bench`: every benchmark in turn."""

import sys

from bench import browser, ingest, inprocess, load, pacing, reconnect, startup

sys.exit(
    ingest.main(sys.argv[1:])
    or startup.main([])
    or browser.main(sys.argv[1:])
    or reconnect.main([])
    or pacing.main([])
    or load.main([])
    or inprocess.main([])
)
