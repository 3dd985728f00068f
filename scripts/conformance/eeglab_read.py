#!/usr/bin/python3
"""Dumps the EEGLAB export of mne-python's test.bdf (ref/mne-tools__mne-python__test_bdf_eeglab.mat:
`data`, 72 channels x 2048 samples in µV, float32) as float64 little-endian, channel after
channel, for scripts/conformance/referenceExports.ts. Needs python3-scipy.

Usage: /usr/bin/python3 eeglab_read.py MAT OUT
"""
import sys

import numpy as np
import scipy.io

data = scipy.io.loadmat(sys.argv[1])['data']
np.ascontiguousarray(data, dtype='<f8').tofile(sys.argv[2])
print(f'{data.shape[0]} {data.shape[1]}')
