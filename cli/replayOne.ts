import { dirname, resolve } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { ConfigError } from '../config/problems.js';
import { InputError } from '../drivers/inputError.js';
import { buildSession } from './buildSession.js';
import { replayConfig } from './replayConfig.js';
import { sessionSummary } from './sessionSummary.js';

export interface ReplayJob {
  readonly file: string;
  readonly configPath: string;
  readonly sets: readonly string[];
  readonly from_s?: number;
  readonly to_s?: number;
  readonly channels?: readonly (string | number)[];
}

/** One row of a batch replay: the file, and what the policy did on it (or why it could not run). */
export type ReplayRow =
  | ({ readonly file: string; readonly ok: true; readonly fs_Hz: number; readonly channels: number } & Pick<ReturnType<typeof sessionSummary>, 'duration_s' | 'frames' | 'validFrames' | 'stimOnFraction' | 'energy_rel' | 'limitEvents' | 'latched'> & { readonly onTime_s: number; readonly charge_mC: number })
  | { readonly file: string; readonly ok: false; readonly error: string };

/**
 * One file replayed to its summary, with no trace, view or telemetry: the unit of work of
 * `replay A B C --jobs N`. Nothing here depends on which thread runs it or when, so the
 * rows are the same whatever N.
 */
export async function replayOne(job: ReplayJob): Promise<ReplayRow> {
  const file = job.file;
  try {
    const config = replayConfig(job.configPath, job.sets, file, job.channels, { kind: 'max' });
    const built = await buildSession(config, { configDir: dirname(resolve(job.configPath)), from_s: job.from_s, duration_s: job.to_s === undefined ? undefined : job.to_s - (job.from_s ?? 0), speed: 'max' }, {});
    try {
      await lastValueFrom(built.steps, { defaultValue: null });
    } finally {
      await built.close();
    }
    const s = sessionSummary(built.session, null, config, null);
    return { file, ok: true, fs_Hz: built.fs_Hz, channels: built.channels.length, duration_s: s.duration_s, frames: s.frames, validFrames: s.validFrames, stimOnFraction: s.stimOnFraction, energy_rel: s.energy_rel, limitEvents: s.limitEvents, latched: s.latched, onTime_s: s.dose.onTime_s, charge_mC: s.dose.charge_mC };
  } catch (error) {
    if (error instanceof InputError || error instanceof ConfigError) return { file, ok: false, error: error.message };
    return { file, ok: false, error: `internal error: ${error instanceof Error ? error.message : String(error)}` };
  }
}

export const ROW_COLUMNS = ['file', 'ok', 'error', 'fs_Hz', 'channels', 'duration_s', 'frames', 'validFrames', 'stimOnFraction', 'energy_rel', 'onTime_s', 'charge_mC', 'limitEvents', 'latched'] as const;

export function rowAsCsv(row: ReplayRow): string {
  const record = row as unknown as Record<string, unknown>;
  return ROW_COLUMNS.map((c) => csvCell(record[c])).join(',');
}

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
