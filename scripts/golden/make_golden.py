#!/usr/bin/env python3
"""Golden vectors for neuroloop's signal path, computed with SciPy (an independent
implementation). Run from the repository root:  python3 scripts/golden/make_golden.py
Needs numpy and scipy (Debian: python3-scipy). Writes test/golden/*.json and *.csv.
Names given on the command line write only those sets, e.g. `make_golden.py fft` writes
test/golden/fft.json alone (made with Debian's /usr/bin/python3) and leaves the others as
they are (`make_golden.py windows` writes test/golden/windows.json; `make_golden.py phase`
writes test/golden/phase.json); every set draws from its own seeded generator except the original four, which
share one, so the original files do not change when a set is added.

What is computed here is the definition in DESIGN.md (Band power, Filters):
  welch(x, fs, window='hann', nperseg=segment, noverlap=segment//2,
        detrend='constant', scaling='density'), band power = sum(P[lo <= f < hi] * df)
  sosfilt(butter(N, Wn, btype, fs=fs, output='sos'), x)
  iirnotch(f0, Q, fs) run with lfilter
and, for phase-locked triggering (set `phase`):
  sosfiltfilt(butter(N, [lo, hi], 'bandpass', fs=fs, output='sos'), x) with its defaults,
  hilbert(x), and the endpoint-corrected Hilbert transform (ecHT, Schreglmann et al. 2021)
  of a window as its authors' echt.m computes it
"""
import json
import os
import sys

import numpy as np
import scipy
from scipy import signal

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'golden')
rng = np.random.default_rng(20261121)


# neuroloop's default bands (signals/band.ts): name, lo_Hz, hi_Hz, half-open.
DEFAULT_BANDS = [('delta', 1, 4), ('theta', 4, 8), ('alpha', 8, 13), ('beta', 13, 30), ('gamma', 30, 45)]

def test_signal(n, fs, rng):
    """Noise plus a few sines: broadband so every band has power, with structure."""
    t = np.arange(n) / fs
    x = rng.normal(0, 5.0, n)
    for f, a in ((2.5, 20.0), (10.0, 15.0), (21.0, 8.0), (37.0, 3.0)):
        if f < fs / 2:
            x += a * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    return x


def band_power(x, fs, segment, bands):
    f, p = signal.welch(x, fs, window='hann', nperseg=segment, noverlap=segment // 2,
                        detrend='constant', scaling='density')
    df = f[1] - f[0]
    return f, p, {name: float(np.sum(p[(f >= lo) & (f < hi)] * df)) for name, lo, hi in bands}


def filters():
    cases = []
    specs = [
        ('lowpass', 1, 30.0, 250.0), ('lowpass', 4, 30.0, 250.0), ('lowpass', 5, 100.0, 1000.0),
        ('lowpass', 8, 45.0, 500.0), ('highpass', 1, 1.0, 250.0), ('highpass', 2, 0.5, 250.0),
        ('highpass', 3, 5.0, 1000.0), ('highpass', 6, 10.0, 512.0),
        ('bandpass', 1, (13.0, 30.0), 250.0), ('bandpass', 2, (13.0, 30.0), 250.0),
        ('bandpass', 3, (1.0, 45.0), 250.0), ('bandpass', 4, (8.0, 12.0), 1000.0),
        ('bandpass', 5, (60.0, 200.0), 2000.0), ('bandstop', 2, (48.0, 52.0), 250.0),
        ('bandstop', 3, (55.0, 65.0), 1000.0), ('bandstop', 4, (20.0, 80.0), 500.0),
    ]
    for kind, order, wn, fs in specs:
        x = test_signal(1500, fs, rng)
        sos = signal.butter(order, wn, btype=kind, fs=fs, output='sos')
        y = signal.sosfilt(sos, x)
        cases.append({'kind': kind, 'order': order,
                      'cutoff_Hz': list(wn) if isinstance(wn, tuple) else wn,
                      'fs_Hz': fs, 'x': x.tolist(), 'y': y.tolist()})
    notches = []
    for f0, q, fs in ((50.0, 30.0, 250.0), (60.0, 35.0, 1000.0), (50.0, 10.0, 500.0)):
        x = test_signal(1500, fs, rng)
        b, a = signal.iirnotch(f0, q, fs)
        notches.append({'freq_Hz': f0, 'Q': q, 'fs_Hz': fs, 'x': x.tolist(),
                        'y': signal.lfilter(b, a, x).tolist()})
    return {'butterworth': cases, 'notch': notches}


def welch_cases():
    return [welch_case(test_signal(n, fs, rng), fs, segment)
            for fs, n, segment in ((250.0, 256, 256), (250.0, 1000, 256), (256.0, 512, 256),
                                   (250.0, 500, 250), (1000.0, 1024, 1024), (200.0, 777, 100),
                                   (250.0, 600, 255), (512.0, 2048, 512))]


def welch_case(x, fs, segment):
    """One Welch golden case: the input, scipy's frequencies and PSD, and the default bands' power."""
    f, p, bp = band_power(x, fs, segment, DEFAULT_BANDS)
    return {'fs_Hz': fs, 'segment': segment, 'x': x.tolist(),
            'frequencies_Hz': f.tolist(), 'psd': p.tolist(),
            'bands': [{'name': b, 'lo_Hz': lo, 'hi_Hz': hi} for b, lo, hi in DEFAULT_BANDS],
            'bandPower': bp}


def features_csv(name, fs, n, channels, window, hop, segment, with_time):
    """An input CSV as `neuroloop features` reads it and the expected output CSV's numbers."""
    data = np.stack([test_signal(n, fs, rng) for _ in channels], axis=1)
    bands = DEFAULT_BANDS
    with open(os.path.join(OUT, f'{name}.input.csv'), 'w') as fh:
        fh.write(','.join((['t'] if with_time else []) + channels) + '\n')
        for i in range(n):
            cells = ([repr(round(i / fs, 9))] if with_time else []) + [repr(float(v)) for v in data[i]]
            fh.write(','.join(cells) + '\n')
    rows = []
    for end in range(window, n + 1, hop):
        row = {'end_sample': end, 't_s': end / fs}
        for c, ch in enumerate(channels):
            _, _, bp = band_power(data[end - window:end, c], fs, segment, bands)
            for b, _, _ in bands:
                row[f'{ch}.{b}'] = bp[b]
        rows.append(row)
    return {'name': name, 'fs_Hz': fs, 'window': window, 'hop': hop, 'segment': segment,
            'withTime': with_time, 'rows': rows}


def streaming():
    """Filter chain then band power per window: the path the live loop runs."""
    fs, n, window, hop = 250.0, 3000, 250, 50
    x = test_signal(n, fs, rng)
    hp = signal.butter(2, 1.0, btype='highpass', fs=fs, output='sos')
    b, a = signal.iirnotch(50.0, 30.0, fs)
    y = signal.lfilter(b, a, signal.sosfilt(hp, x))
    bands = [('alpha', 8, 13), ('beta', 13, 30)]
    frames = []
    for end in range(window, n + 1, hop):
        _, _, bp = band_power(y[end - window:end], fs, window, bands)
        frames.append({'index': end, **bp})
    return {'fs_Hz': fs, 'window': window, 'hop': hop, 'x': x.tolist(),
            'filters': [{'type': 'highpass', 'order': 2, 'cutoff_Hz': 1.0},
                        {'type': 'notch', 'freq_Hz': 50.0, 'Q': 30.0}],
            'bands': [{'name': nm, 'lo_Hz': lo, 'hi_Hz': hi} for nm, lo, hi in bands],
            'frames': frames}


def fft_cases():
    """scipy.fft.fft of fixed complex inputs: lengths of the mixed-radix FFT (factors 2, 3,
    5, 7), one for Bluestein (1001 = 7 * 11 * 13) and one power of two."""
    gen = np.random.default_rng(20261205)
    cases = []
    for n in (6, 12, 15, 21, 35, 49, 125, 250, 343, 500, 1000, 1001, 1024):
        x = gen.normal(0, 1.0, n) + 1j * gen.normal(0, 1.0, n)
        # A few tones on top so the spectrum has a large peak as well as a noise floor.
        t = np.arange(n)
        x += 4.0 * np.exp(2j * np.pi * 3 * t / n) + 2.5 * np.cos(2 * np.pi * 0.37 * t)
        spectrum = scipy.fft.fft(x)
        cases.append({'n': n,
                      'x': np.column_stack((x.real, x.imag)).ravel().tolist(),
                      'X': np.column_stack((spectrum.real, spectrum.imag)).ravel().tolist()})
    return cases


def fft_welch_cases():
    """Band power with the window lengths the mixed-radix FFT serves (Welch segment = window)."""
    gen = np.random.default_rng(20261206)
    return [welch_case(test_signal(n, fs, gen), fs, segment)
            for fs, n, segment in ((250.0, 500, 125), (250.0, 1000, 250), (1000.0, 3000, 1000), (250.0, 700, 375))]


def window_cases():
    """Band power of every window of a plan (window, hop), each window one Welch segment: what
    the live path computes at each hop, by a transform or by partial sums. No filters, so the
    comparison is tight. One signal rides on a 400 uV offset (the detrend must remove it)."""
    gen = np.random.default_rng(20261123)
    beta = [('beta', 13, 30)]
    plans = ((250.0, 125, 25, beta, 0.0), (250.0, 250, 25, [('alpha', 8, 13)] + beta, 400.0),
             (1000.0, 1000, 100, beta, 0.0), (1000.0, 1000, 20, beta, 0.0),
             (250.0, 255, 15, beta, 0.0), (1000.0, 1024, 128, beta, 0.0), (250.0, 250, 25, DEFAULT_BANDS, 0.0))
    cases = []
    for fs, window, hop, bands, offset in plans:
        n = window + 20 * hop
        x = test_signal(n, fs, gen) + offset
        frames = []
        for end in range(window, n + 1, hop):
            _, _, bp = band_power(x[end - window:end], fs, window, bands)
            frames.append({'index': end, **bp})
        cases.append({'fs_Hz': fs, 'window': window, 'hop': hop, 'x': x.tolist(),
                      'bands': [{'name': nm, 'lo_Hz': lo, 'hi_Hz': hi} for nm, lo, hi in bands],
                      'frames': frames})
    return cases


def alpha_burst_signal(n, fs, gen):
    """Pink-ish noise plus waxing and waning alpha (about 10 Hz, drifting) and a 20 Hz
    rhythm: bursts of a band over a broadband background, what phase estimation sees."""
    t = np.arange(n) / fs
    white = gen.normal(0, 1.0, n)
    # A first-order low-pass of white noise for a falling background, plus white noise.
    background = signal.lfilter([0.1], [1, -0.9], white) * 4.0 + gen.normal(0, 1.5, n)
    # Alpha bursts: a raised-cosine envelope per burst, each with its own frequency and phase.
    alpha = np.zeros(n)
    at = 0.0
    while at < t[-1]:
        length = gen.uniform(0.4, 1.5)
        f = gen.uniform(8.5, 11.5)
        inside = (t >= at) & (t < at + length)
        envelope = 0.5 - 0.5 * np.cos(2 * np.pi * (t[inside] - at) / length)
        alpha[inside] += gen.uniform(6.0, 15.0) * envelope * np.cos(2 * np.pi * f * t[inside] + gen.uniform(0, 2 * np.pi))
        at += length + gen.uniform(0.1, 1.0)
    return background + alpha + 3.0 * np.sin(2 * np.pi * 20.0 * t + gen.uniform(0, 2 * np.pi)) + 25.0


def echt_last(window, lo, hi, fs):
    """ecHT of one window, the value at its last sample, step by step as in the authors'
    echt.m (Schreglmann et al. 2021, Nature Communications 12:363): FFT of the window,
    negative frequencies zeroed and positive ones doubled (DC and Nyquist kept), times the
    frequency response of a causal 2nd-order Butterworth band-pass [lo, hi] at each bin's
    frequency, inverse FFT."""
    n = len(window)
    spectrum = np.fft.fft(window)
    h = np.zeros(n)
    if n % 2 == 0:
        h[[0, n // 2]] = 1
        h[1:n // 2] = 2
    else:
        h[0] = 1
        h[1:(n + 1) // 2] = 2
    # echt.m evaluates butter's (b, a) with freqz; the same filter as sections is evaluated
    # here, because (b, a) of a narrow band at 1 kHz loses digits (about 1e-10) to rounding.
    sos = signal.butter(2, [lo, hi], btype='bandpass', fs=fs, output='sos')
    freqz_sos = getattr(signal, 'freqz_sos', None) or signal.sosfreqz
    _, response = freqz_sos(sos, worN=np.fft.fftfreq(n, 1 / fs), fs=fs)
    return np.fft.ifft(spectrum * h * response)[-1]


def phase_cases():
    """Ground truth of phase (sosfiltfilt then hilbert), hilbert of the raw input (any length:
    even, odd, prime, power of two) and ecHT at chosen window ends."""
    gen = np.random.default_rng(20261212)
    truth = []
    for fs, n, order, (lo, hi) in ((250.0, 2000, 2, (8.0, 13.0)), (250.0, 2001, 4, (8.0, 13.0)),
                                   (1000.0, 3000, 2, (8.0, 13.0)), (1000.0, 2999, 4, (8.0, 13.0)),
                                   (1000.0, 2003, 3, (4.0, 8.0)), (250.0, 1023, 2, (13.0, 30.0)),
                                   (256.0, 1024, 4, (8.0, 12.0))):
        x = alpha_burst_signal(n, fs, gen)
        sos = signal.butter(order, [lo, hi], btype='bandpass', fs=fs, output='sos')
        y = signal.sosfiltfilt(sos, x)
        z = signal.hilbert(y)
        raw = signal.hilbert(x)
        truth.append({'fs_Hz': fs, 'order': order, 'lo_Hz': lo, 'hi_Hz': hi, 'x': x.tolist(),
                      'filtered': y.tolist(), 'phase_rad': np.angle(z).tolist(), 'amplitude': np.abs(z).tolist(),
                      'hilbertRe': raw.real.tolist(), 'hilbertIm': raw.imag.tolist()})
    echt = []
    for fs, n, window, (lo, hi) in ((250.0, 1500, 125, (7.5, 12.5)), (250.0, 1500, 128, (8.0, 13.0)),
                                    (1000.0, 3000, 500, (7.8, 12.8)), (1000.0, 3000, 512, (15.0, 25.0)),
                                    (1000.0, 3000, 333, (8.0, 12.0))):
        x = alpha_burst_signal(n, fs, gen)
        ends = sorted(int(e) for e in gen.choice(np.arange(window, n + 1), size=12, replace=False))
        values = [echt_last(x[end - window:end], lo, hi, fs) for end in ends]
        echt.append({'fs_Hz': fs, 'window': window, 'lo_Hz': lo, 'hi_Hz': hi, 'x': x.tolist(), 'ends': ends,
                     're': [float(v.real) for v in values], 'im': [float(v.imag) for v in values]})
    return {'truth': truth, 'echt': echt}


def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {'numpy': np.__version__, 'scipy': scipy.__version__, 'python': sys.version.split()[0],
            'generator': 'scripts/golden/make_golden.py'}
    wanted = set(sys.argv[1:]) or {'original', 'fft'}
    if 'fft' in wanted:
        json.dump({'meta': meta, 'fft': fft_cases(), 'welch': fft_welch_cases()},
                  open(os.path.join(OUT, 'fft.json'), 'w'))
    if 'windows' in wanted:
        json.dump({'meta': meta, 'cases': window_cases()}, open(os.path.join(OUT, 'windows.json'), 'w'))
    if 'phase' in wanted:
        json.dump({'meta': meta, **phase_cases()}, open(os.path.join(OUT, 'phase.json'), 'w'))
    if 'original' not in wanted:
        print('golden vectors written to', os.path.normpath(OUT))
        return
    out = {'meta': meta, **filters()}
    json.dump(out, open(os.path.join(OUT, 'filters.json'), 'w'))
    json.dump({'meta': meta, 'cases': welch_cases()}, open(os.path.join(OUT, 'welch.json'), 'w'))
    json.dump({'meta': meta, **streaming()}, open(os.path.join(OUT, 'streaming.json'), 'w'))
    feats = [features_csv('features-a', 250.0, 2000, ['C3', 'C4'], 256, 64, 256, True),
             features_csv('features-b', 500.0, 2500, ['LFP0', 'LFP1', 'LFP2'], 500, 125, 250, False)]
    json.dump({'meta': meta, 'cases': feats}, open(os.path.join(OUT, 'features.json'), 'w'))
    print('golden vectors written to', os.path.normpath(OUT))


if __name__ == '__main__':
    main()
