"""khdesk — công tác phát triển đảng viên, ngoại tuyến."""

import time

__version__ = "0.1.0"
# The earliest moment our code runs: `gui --exit-when-ready` measures start-up from here.
STARTED = time.perf_counter()
