import { parseArgs } from 'node:util';
import { AtomicTextOutput } from '../drivers/atomicTextOutput.js';
import { openCsvSignal } from '../drivers/csvSignalReader.js';
import { InputError } from '../drivers/inputError.js';
import { checkOutputPaths } from '../drivers/outputPaths.js';
import { PLAUSIBLE } from '../config/plausibleRanges.js';
import { defaultHop } from '../controller/signalPathOptions.js';
import { DEFAULT_BANDS } from '../signals/band.js';
import { FeatureExtractor, type FeatureFrame } from '../signals/featureExtractor.js';
import { abandonOnSignal } from './abandonOnSignal.js';
import { parseBands, parseInRange, parseInteger } from './args.js';
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
  const outPath = values.out ?? '-';
  checkOutputPaths([{ place: '--out', path: outPath, atomic: true }], [{ place: 'INPUT', path: input }]);
  abandonOnSignal('features');

  const progress = new Progress('features');
  const signal = await openCsvSignal(input, {
    fs_Hz: fsArg,
    block_samples: 4096,
    onProgress: (fraction) => progress.update(`${(fraction * 100).toFixed(0)} % of ${input}`),
  });
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

function formatRow(frame: FeatureFrame, channels: number, bandNames: readonly string[]): string {
  const cells: string[] = [String(frame.index), String(frame.t_s)];
  // A window that holds lost or non-numeric samples has no honest band power.
  for (let c = 0; c < channels; c++) {
    for (const name of bandNames) cells.push(frame.valid ? String(frame.bandPower[name][c]) : 'NaN');
  }
  return `${cells.join(',')}\n`;
}
