#!/usr/bin/python3
"""The band-power job of bench/bandPowerJobs.ts done the vectorised NumPy way, for the
comparison the project's issue 11 asks for: every window of every channel at once through
numpy.fft.rfft over a strided view (numpy.lib.stride_tricks.sliding_window_view), with
the same definition as neuroloop (docs/design.md, Band power): one periodic-Hann segment
per window (segment = window), constant detrend, one-sided density, the 5 default bands
summed over lo <= f < hi times df.

Usage: numpyBandPower.py CHANNELS FS_HZ WINDOW HOP SECONDS RUNS
Prints one JSON object: samples_per_s (best of RUNS, timed inside Python, the signal made
before timing), frames, numpy version.
"""
import json
import sys
import time

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

BANDS = [(1, 4), (4, 8), (8, 13), (13, 30), (30, 45)]


def band_powers(x, fs, window, hop):
    frames = sliding_window_view(x, window, axis=1)[:, ::hop]  # (channels, frames, window), a view
    seg = frames - frames.mean(axis=2, keepdims=True)
    n = np.arange(window)
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * n / window)  # periodic Hann
    seg = seg * hann
    spectrum = np.fft.rfft(seg, axis=2)
    power = spectrum.real ** 2 + spectrum.imag ** 2
    scale = 1.0 / (fs * np.sum(hann * hann))
    power *= scale
    last = power.shape[2] - 1 if window % 2 == 0 else power.shape[2]
    power[:, :, 1:last] *= 2
    df = fs / window
    freqs = np.arange(power.shape[2]) * df
    out = []
    for lo, hi in BANDS:
        sel = (freqs >= lo) & (freqs < hi)
        out.append(power[:, :, sel].sum(axis=2) * df)
    return np.stack(out), frames.shape[1]


def main():
    channels, fs, window, hop, seconds, runs = (int(float(a)) for a in sys.argv[1:7])
    n = int(round(seconds * fs))
    t = np.arange(n) / fs
    rng = np.random.default_rng(12345)
    x = np.stack([10 * np.sin(2 * np.pi * 10 * t + c) + 6 * np.sin(2 * np.pi * 21 * t) + (rng.random(n) - 0.5) * 8 for c in range(channels)]).astype(np.float32).astype(np.float64)
    band_powers(x[:, : n // 10], fs, window, hop)  # warm-up
    best = float('inf')
    frames = 0
    for _ in range(runs):
        start = time.perf_counter()
        _, frames = band_powers(x, fs, window, hop)
        best = min(best, time.perf_counter() - start)
    print(json.dumps({'samples_per_s': n / best, 'frames': int(frames), 'numpy': np.__version__}))


main()
