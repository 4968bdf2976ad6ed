"""Start dagster-webserver with default signal handlers (a backgrounded dagster ignores SIGTERM
otherwise), so a test can stop it by its process id."""

import os
import signal
import sys

for sig in (signal.SIGINT, signal.SIGTERM):
    signal.signal(sig, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])
