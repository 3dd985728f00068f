#!/usr/bin/python3
"""What MNE-Python (Debian's python3-mne) reads from one EDF/EDF+/BDF/BDF+ file: the
independent witness for neuroloop's reader in `npm run conformance`
(scripts/conformance/conformance.ts) and test/drivers/edfIndependentTools.test.ts.

Usage: /usr/bin/python3 mne_read.py FILE OUTDIR

Writes OUTDIR/mne.json and, per group of signals, OUTDIR/group<i>.f64 (float64,
little-endian, channel after channel, exactly the values MNE returns: volts for
uV/mV channels, else the header's unit).

MNE resamples every signal to the highest rate when signals have different rates; a
resampled signal cannot be compared sample by sample. So the signals are read in groups
of one rate each (MNE's `exclude` drops the others; a channel's values do not depend on
which other channels are read), and each group is MNE's own reading at its native rate.
`stim_channel=None`: MNE would otherwise mask channels named Status/Trigger to their event
bits, which is an interpretation of the samples, not the file's values.

Annotations come from read_raw_edf/bdf (MNE drops those outside the data and limits
durations to the data end) or, for a file without ordinary signals (MNE's read_raw
refuses those), from mne.read_annotations. Their onsets are MNE's: seconds after the
first data record.
"""
import json
import os
import sys
import warnings

import numpy as np

import mne


def header_signals(path):
    """Labels (as MNE names them: stripped, latin-1) and samples per record, from the header."""
    with open(path, 'rb') as f:
        fixed = f.read(256)
        ns = int(fixed[252:256].decode('latin-1').strip())
        rest = f.read(256 * ns)
    labels = [rest[16 * i:16 * (i + 1)].strip().decode('latin-1') for i in range(ns)]
    # Per-signal fields before "samples per data record": label 16, transducer 80,
    # dimension 8, physical min/max 8+8, digital min/max 8+8, prefiltering 80.
    at = ns * (16 + 80 + 8 * 5 + 80)
    samples = [int(rest[at + 8 * i:at + 8 * (i + 1)].decode('latin-1').strip()) for i in range(ns)]
    return labels, samples


def main():
    path, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    mne.set_log_level('WARNING')
    result = {'file': path, 'mne_version': mne.__version__, 'groups': [], 'annotations': None, 'error': None}
    try:
        labels, samples = header_signals(path)
    except Exception as e:  # noqa: BLE001 - report any header failure as MNE's refusal
        result['error'] = f'header: {type(e).__name__}: {e}'
        return finish(outdir, result)
    annotation = [label in ('EDF Annotations', 'BDF Annotations') for label in labels]
    ordinary = [i for i in range(len(labels)) if not annotation[i]]
    rates = []
    for i in ordinary:
        if samples[i] not in rates:
            rates.append(samples[i])
    read = mne.io.read_raw_bdf if path.lower().endswith('.bdf') else mne.io.read_raw_edf

    if not ordinary:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            try:
                a = mne.read_annotations(path)
            except Exception as e:  # noqa: BLE001
                result['error'] = f'read_annotations: {type(e).__name__}: {e}'
                return finish(outdir, result)
        result['annotations'] = annotations_of(a, 'read_annotations', caught)
        return finish(outdir, result)

    for g, spr in enumerate(rates):
        members = [i for i in ordinary if samples[i] == spr]
        others = sorted({labels[i] for i in ordinary if samples[i] != spr})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            try:
                raw = read(path, stim_channel=None, exclude=others, preload=True)
            except Exception as e:  # noqa: BLE001
                result['error'] = f'read_raw (signals {members}): {type(e).__name__}: {e}'
                return finish(outdir, result)
        data = raw.get_data()
        extras = raw._raw_extras[0]
        group = {
            'samples_per_record': spr,
            'header_indices': members,
            'sfreq': float(raw.info['sfreq']),
            'ch_names': list(raw.ch_names),
            'n_times': int(raw.n_times),
            'n_records': int(extras['n_records']),
            # The factor MNE multiplied each channel's physical value by (1e-6 for uV...).
            'units': [float(u) for u in extras['units']],
            'data': f'group{g}.f64',
            'warnings': [str(w.message) for w in caught],
        }
        if len(group['ch_names']) != len(members):
            group['warnings'].append(f'MNE kept {len(group["ch_names"])} channels for {len(members)} signals '
                                     '(a label shared with a signal at another rate)')
        np.ascontiguousarray(data, dtype='<f8').tofile(os.path.join(outdir, group['data']))
        result['groups'].append(group)
        if g == 0:
            result['annotations'] = annotations_of(raw.annotations, 'read_raw', caught)
            result['annotations']['data_end_s'] = raw.n_times / raw.info['sfreq']
    return finish(outdir, result)


def annotations_of(a, source, caught):
    return {
        'source': source,
        'onset': [float(x) for x in a.onset],
        'duration': [float(x) for x in a.duration],
        'description': [str(x) for x in a.description],
        'warnings': [str(w.message) for w in caught],
    }


def finish(outdir, result):
    with open(os.path.join(outdir, 'mne.json'), 'w', encoding='utf-8') as f:
        json.dump(result, f, ensure_ascii=False)
    return 0


if __name__ == '__main__':
    sys.exit(main())
