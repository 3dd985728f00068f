import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Debian's python with python3-mne (the first python3 on PATH may be another one). */
export const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../../../scripts/conformance/mne_read.py', import.meta.url));

/** One group of signals at one rate, as MNE read it (scripts/conformance/mne_read.py). */
export interface MneGroup {
  readonly samples_per_record: number;
  readonly header_indices: readonly number[];
  readonly sfreq: number;
  readonly ch_names: readonly string[];
  readonly n_times: number;
  readonly n_records: number;
  /** The factor MNE multiplied each channel by (1e-6 for uV, 1e-3 for mV, else 1). */
  readonly units: readonly number[];
  readonly warnings: readonly string[];
  /** Per channel, MNE's values (float64; volts for uV/mV channels). */
  readonly values: readonly Float64Array[];
}

export interface MneAnnotations {
  readonly source: 'read_raw' | 'read_annotations';
  readonly onset: readonly number[];
  readonly duration: readonly number[];
  readonly description: readonly string[];
  readonly warnings: readonly string[];
  /** Seconds of data MNE holds (read_raw only): annotations beyond are dropped. */
  readonly data_end_s?: number;
}

export interface MneRead {
  readonly mne_version: string;
  readonly error: string | null;
  readonly groups: readonly MneGroup[];
  readonly annotations: MneAnnotations | null;
}

interface MneJson extends Omit<MneRead, 'groups'> {
  readonly groups: readonly (Omit<MneGroup, 'values'> & { readonly data: string })[];
}

/** Runs MNE on a file; throws only when the python script itself fails. */
export function readWithMne(path: string): MneRead {
  const out = mkdtempSync(join(tmpdir(), 'neuroloop-mne-'));
  try {
    const r = spawnSync(PYTHON, [SCRIPT, path, out], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`${SCRIPT} ${path}: exit ${r.status}\n${r.stderr}`);
    const json = JSON.parse(readFileSync(join(out, 'mne.json'), 'utf8')) as MneJson;
    const groups = json.groups.map((g) => {
      const bytes = readFileSync(join(out, g.data));
      const all = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      const values = g.ch_names.map((_, c) => all.subarray(c * g.n_times, (c + 1) * g.n_times));
      return { ...g, values };
    });
    return { ...json, groups };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
