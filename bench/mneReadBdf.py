"""Bench peer: MNE-Python reading a BDF file whole (read_raw_bdf with preload=True).

Usage: /usr/bin/python3 bench/mneReadBdf.py FILE [RUNS]
Prints one JSON object: the fastest of RUNS timed reads (timed here, inside Python, so
that the interpreter's and MNE's import time is not counted), samples per channel and
channel count.
"""
import json
import sys
import time

import mne

path = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
best = float("inf")
raw = None
for _ in range(runs):
    start = time.perf_counter()
    raw = mne.io.read_raw_bdf(path, preload=True, verbose="error")
    best = min(best, time.perf_counter() - start)
print(json.dumps({"seconds": best, "samples": int(raw.n_times), "channels": len(raw.ch_names), "mne": mne.__version__}))
