import { parseArgs } from 'node:util';
import { AtomicTextOutput } from '../drivers/atomicTextOutput.js';
import { openCsvSignal } from '../drivers/csvSignalReader.js';
import { InputError } from '../drivers/inputError.js';
import { defaultHop } from '../controller/signalPathOptions.js';
import { DEFAULT_BANDS } from '../signals/band.js';
import { FeatureExtractor, type FeatureFrame } from '../signals/featureExtractor.js';
import { parseBands, parseInteger, parsePositive } from './args.js';
import { Progress } from './progress.js';

export const FEATURES_HELP = `Usage: neuroloop features INPUT.csv [options]

Band power of a recorded signal, one row per window (Welch PSD, DESIGN.md "Band power").

INPUT is a CSV: first line channel names (optionally "t" first, in seconds, from which
the sample rate is inferred), then one row per sample in microvolts.

Options:
  --fs HZ            sample rate (required without a t column)
  --window N         samples per window (default 256)
  --hop N            samples between window ends (default window/4)
  --segment N        Welch segment length (default window; 50 % overlap)
  --bands LIST       name=lo:hi,... in Hz, half-open [lo, hi)
                     (default delta=1:4,theta=4:8,alpha=8:13,beta=13:30,gamma=30:45)
  --out FILE         output CSV; "-" or absent: stdout

Output columns: end_sample,t_s,<channel>.<band>,...  band power in uV^2.
`;

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
  if (positionals.length !== 1) throw new InputError(`features: expected one INPUT file, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}\n\n${FEATURES_HELP}`);
  const input = positionals[0];
  const fsArg = parsePositive('--fs', values.fs);
  const window = parseInteger('--window', values.window, 2) ?? 256;
  const hop = parseInteger('--hop', values.hop, 1) ?? defaultHop(window);
  const segment = parseInteger('--segment', values.segment, 2) ?? window;
  if (segment > window) throw new InputError(`--segment ${segment} must not exceed --window ${window}`);
  const bands = values.bands === undefined ? [...DEFAULT_BANDS] : parseBands(values.bands);

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
    await AtomicTextOutput.writeWith(values.out ?? '-', async (out) => {
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
