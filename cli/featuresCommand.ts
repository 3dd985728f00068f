import { closeSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { AtomicTextOutput } from '../drivers/atomicTextOutput.js';
import { openCsvSignal } from '../drivers/csvSignalReader.js';
import { openEdfSignal } from '../drivers/edf/edfReader.js';
import type { EdfItem } from '../drivers/edf/edfTypes.js';
import { InputError } from '../drivers/inputError.js';
import { checkOutputPaths } from '../drivers/outputPaths.js';
import { PLAUSIBLE } from '../config/plausibleRanges.js';
import { defaultHop } from '../controller/signalPathOptions.js';
import { DEFAULT_BANDS } from '../signals/band.js';
import { FeatureExtractor, type FeatureFrame } from '../signals/featureExtractor.js';
import type { SampleBlock } from '../signals/sampleBlock.js';
import { abandonOnSignal } from './abandonOnSignal.js';
import { parseBands, parseChannels, parseInRange, parseInteger } from './args.js';
import { Progress } from './progress.js';
import { FEATURES_HELP } from './helpTexts.js';

export async function featuresCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      fs: { type: 'string' },
      window: { type: 'string' },
      hop: { type: 'string' },
      segment: { type: 'string' },
      bands: { type: 'string' },
      channels: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(FEATURES_HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    throw new InputError(`features: expected one INPUT file, got ${positionals.length === 0 ? 'none' : positionals.join(' ')} (neuroloop features --help)`);
  }
  const input = positionals[0];
  const fsArg = parseInRange('--fs', values.fs, PLAUSIBLE.fs_Hz.min, PLAUSIBLE.fs_Hz.max, 'Hz');
  const window = parseInteger('--window', values.window, 2, PLAUSIBLE.window_samples.max) ?? 256;
  const hop = parseInteger('--hop', values.hop, 1, PLAUSIBLE.window_samples.max) ?? defaultHop(window);
  const segment = parseInteger('--segment', values.segment, 2, PLAUSIBLE.window_samples.max) ?? window;
  if (segment > window) throw new InputError(`--segment ${segment} must not exceed --window ${window}`);
  const bands = values.bands === undefined ? [...DEFAULT_BANDS] : parseBands(values.bands);
  const channels = values.channels === undefined ? undefined : parseChannels(values.channels);
  const outPath = values.out ?? '-';
  checkOutputPaths([{ place: '--out', path: outPath, atomic: true }], [{ place: 'INPUT', path: input }]);
  abandonOnSignal('features');

  const progress = new Progress('features');
  const signal = await openInput(input, { fs_Hz: fsArg, channels, onProgress: (fraction) => progress.update(`${(fraction * 100).toFixed(0)} % of ${input}`) });
  const nyquist = signal.fs_Hz / 2;
  for (const band of bands) {
    if (band.hi_Hz > nyquist) {
      throw new InputError(`--bands: ${band.name} ends at ${band.hi_Hz} Hz, above the Nyquist frequency ${nyquist} Hz of ${input} (fs ${signal.fs_Hz} Hz)`);
    }
  }

  const extractor = new FeatureExtractor({ fs_Hz: signal.fs_Hz, channels: signal.channels, window, hop, segment, bands });
  try {
    await AtomicTextOutput.writeWith(outPath, async (out) => {
      const columns = signal.channels.flatMap((ch) => bands.map((b) => `${ch}.${b.name}`));
      await out.write(`end_sample,t_s,${columns.join(',')}\n`);
      let frames = 0;
      let rows: string[] = [];
      const onFrame = (frame: FeatureFrame): void => {
        frames++;
        rows.push(formatRow(frame, signal.channels.length, bands.map((b) => b.name)));
      };
      for await (const block of signal.blocks) {
        extractor.push(block, onFrame);
        if (rows.length > 0) {
          await out.write(rows.join(''));
          rows = [];
        }
      }
      if (frames === 0) {
        throw new InputError(`--window ${window} is larger than the data: ${input} has ${extractor.expectedIndex} samples per channel`);
      }
    });
  } finally {
    progress.done();
  }
  return 0;
}

/** What the band power is computed on, whichever the file's format. */
interface FeatureInput {
  readonly channels: readonly string[];
  readonly fs_Hz: number;
  readonly blocks: AsyncIterable<SampleBlock>;
}

interface InputOptions {
  readonly fs_Hz: number | undefined;
  readonly channels: readonly (string | number)[] | undefined;
  readonly onProgress: (fraction: number) => void;
}

/** The input as sample blocks: EDF/BDF (EDF+ and BDF+ too) through the EDF reader, anything else as a signal CSV. */
async function openInput(input: string, o: InputOptions): Promise<FeatureInput> {
  if (isEdfFile(input)) {
    const signal = await openEdfSignal(input, { channels: o.channels, block_samples: 4096, onProgress: o.onProgress, onNotice: (message) => process.stderr.write(`neuroloop: ${message}\n`) });
    // The header gives the rate; --fs may only confirm it (as with a CSV's t column).
    if (o.fs_Hz !== undefined && Math.abs(o.fs_Hz - signal.fs_Hz) > 1e-3 * o.fs_Hz) {
      throw new InputError(`--fs ${o.fs_Hz} disagrees with the header of ${input}, whose signals are sampled at ${signal.fs_Hz} Hz`);
    }
    // Annotations do not change band power; a gap (EDF+D, neuroloop's [lost]) is a jump in firstIndex.
    return { channels: signal.channels, fs_Hz: signal.fs_Hz, blocks: samplesOf(signal.items) };
  }
  const signal = await openCsvSignal(input, { fs_Hz: o.fs_Hz, block_samples: 4096, onProgress: o.onProgress });
  if (o.channels === undefined) return signal;
  const picked = o.channels.map((wanted) => {
    const at = typeof wanted === 'number' ? wanted : signal.channels.indexOf(wanted);
    if (at < 0 || at >= signal.channels.length) {
      throw new InputError(`--channels: ${input} has no channel ${typeof wanted === 'number' ? `at index ${wanted} (0 to ${signal.channels.length - 1})` : `"${wanted}"`}; its channels are ${signal.channels.join(', ')}`);
    }
    return at;
  });
  picked.forEach((at, i) => {
    if (picked.indexOf(at) !== i) throw new InputError(`--channels: ${signal.channels[at]} is asked for twice`);
  });
  const names = picked.map((at) => signal.channels[at]);
  return { channels: names, fs_Hz: signal.fs_Hz, blocks: pickChannels(signal.blocks, picked, names) };
}

/**
 * Whether INPUT is an EDF or BDF file: by its extension (.edf, .bdf, any case) or its
 * version field, the file's first 8 bytes ("0" and 7 spaces for EDF, byte 0xFF and
 * "BIOSEMI" for BDF; https://www.edfplus.info/specs/edf.html). A file that cannot be read
 * is left to the CSV reader, which says why.
 */
function isEdfFile(path: string): boolean {
  const extension = extname(path).toLowerCase();
  if (extension === '.edf' || extension === '.bdf') return true;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const version = Buffer.alloc(8);
    if (readSync(fd, version, 0, 8, 0) < 8) return false;
    return version.toString('latin1') === '0       ' || (version[0] === 0xff && version.toString('latin1', 1) === 'BIOSEMI');
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

async function* samplesOf(items: AsyncIterable<EdfItem>): AsyncGenerator<SampleBlock> {
  for await (const item of items) if (item.kind === 'block') yield item.block;
}

async function* pickChannels(blocks: AsyncIterable<SampleBlock>, picked: readonly number[], names: readonly string[]): AsyncGenerator<SampleBlock> {
  for await (const block of blocks) yield { ...block, channels: names, data: picked.map((at) => block.data[at]) };
}

function formatRow(frame: FeatureFrame, channels: number, bandNames: readonly string[]): string {
  const cells: string[] = [String(frame.index), String(frame.t_s)];
  // A window that holds lost or non-numeric samples has no honest band power.
  for (let c = 0; c < channels; c++) {
    for (const name of bandNames) cells.push(frame.valid ? String(frame.bandPower[name][c]) : 'NaN');
  }
  return `${cells.join(',')}\n`;
}
