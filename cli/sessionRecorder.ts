import { stringify } from 'yaml';
import type { Config } from '../config/schema.js';
import type { SessionEvent, SessionStep } from '../controller/session.js';
import type { StimParams } from '../controller/stimParams.js';
import { rmSync } from 'node:fs';
import { AtomicTextOutput } from '../drivers/atomicTextOutput.js';
import { type EdfFormat, symmetricGrid } from '../drivers/edf/edfLayout.js';
import type { QuantizationGrid } from '../signals/quantizationGrid.js';
import { EdfWriter } from '../drivers/edf/edfWriter.js';
import { NEUROLOOP_EQUIPMENT, NEUROLOOP_TAG } from '../drivers/edf/neuroloopAnnotations.js';
import { markerAnnotation } from '../drivers/edf/markerAnnotation.js';
import { NdjsonWriter } from '../drivers/ndjsonWriter.js';
import { SESSION_FILES, SessionFolder } from '../drivers/sessionFolder.js';
import type { SampleBlock } from '../signals/sampleBlock.js';
import type { BuiltSession } from './buildSession.js';
import { packageVersion } from './version.js';

export interface RecorderStart {
  readonly root: string;
  readonly config: Config;
  readonly built: BuiltSession;
  readonly start: Date;
  /** What the session is (run, or a replay of a file), for the manifest. */
  readonly kind: 'run' | 'replay';
  readonly seed: number | null;
}

/**
 * `--record DIR`: the session on disk (docs/design.md, Recording). The signal file (BDF+ or
 * EDF+ on the source's grid, every event and stimulation change an annotation), the
 * trace, features and stimulation as CSV, the resolved config and a manifest.
 */
export class SessionRecorder {
  readonly folder: SessionFolder;
  readonly tracePath: string;
  private readonly features: NdjsonWriter;
  private previous: StimParams | null = null;
  private readonly bandNames: readonly string[];
  private readonly signalFile: string;
  private writeError: Error | null = null;

  private constructor(
    private readonly s: RecorderStart,
    folder: SessionFolder,
    private readonly writer: EdfWriter,
    signalFile: string,
    private readonly manifest: Record<string, unknown>,
  ) {
    this.folder = folder;
    this.signalFile = signalFile;
    this.tracePath = folder.file(SESSION_FILES.trace);
    this.features = new NdjsonWriter(folder.file(SESSION_FILES.features));
    this.bandNames = Object.keys(s.config.signals.bands);
    const columns = s.built.channels.flatMap((ch) => this.bandNames.map((b) => `${ch}.${b}`));
    this.features.appendLine(`index,t_s,valid,biomarker,${columns.join(',')},enabled,amplitude_mA,frequency_Hz,pulseWidth_us`, 0);
  }

  static async start(s: RecorderStart): Promise<SessionRecorder> {
    const folder = SessionFolder.create(s.root, s.config.rig.id, s.start);
    const { config, built } = s;
    // The source's own grid (the samples already lie on it); CSV text has none: the configured range.
    const grid = built.source.grid ?? { grids: built.channels.map(() => symmetricGrid(config.recording.range_uV, config.recording.format)), format: config.recording.format };
    const signalFile = `signal.${grid.format}`;
    try {
      return await SessionRecorder.open(s, folder, grid, signalFile);
    } catch (error) {
      // Nothing recorded yet: leave no empty session folder behind.
      rmSync(folder.path, { recursive: true, force: true });
      throw error;
    }
  }

  private static async open(s: RecorderStart, folder: SessionFolder, grid: { grids: readonly QuantizationGrid[]; format: EdfFormat }, signalFile: string): Promise<SessionRecorder> {
    const { config, built } = s;
    const writer = await EdfWriter.create({
      path: folder.file(signalFile),
      format: grid.format,
      fs_Hz: built.fs_Hz,
      start: s.start,
      patient: config.recording.patientCode === undefined ? undefined : { code: config.recording.patientCode },
      recording: { admincode: config.rig.id, equipment: `${NEUROLOOP_EQUIPMENT}-${packageVersion()}` },
      signals: built.channels.map((label, c) => ({ label, physicalDimension: 'uV', grid: grid.grids[c] })),
    });
    await writeConfig(folder.file(SESSION_FILES.config), config);
    const manifest: Record<string, unknown> = {
      kind: 'neuroloop-session',
      v: 1,
      neuroloop: packageVersion(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      session: s.kind,
      rig: config.rig.id,
      startedAt: s.start.toISOString(),
      source: built.source.describe,
      seed: s.seed,
      fs_Hz: built.fs_Hz,
      channels: built.channels,
      units: 'uV',
      signalFile: { name: signalFile, format: grid.format === 'bdf' ? 'BDF+C' : 'EDF+C', recordDuration_s: writer.record.duration_s, samplesPerRecord: writer.record.samples },
      policy: config.policy.kind,
      closedCleanly: false,
    };
    const recorder = new SessionRecorder(s, folder, writer, signalFile, manifest);
    await folder.writeManifest(manifest);
    return recorder;
  }

  /** A block as the session took it (already on the grid). After a write error, nothing more is written. */
  block(block: SampleBlock): void {
    if (this.writeError !== null) return;
    try {
      this.writer.write(block);
    } catch (error) {
      this.writeError = new Error(`${this.folder.file(this.signalFile)}: ${(error as Error).message}`);
    }
  }

  /** The first error writing the signal file or the features (a full disk), if any. */
  get failed(): Error | null {
    return this.writeError ?? this.features.failed;
  }

  /**
   * Every session event becomes an annotation; a file's annotations (replay) stay plain
   * annotations; a marker is `[marker] {json}`, which a replay takes back as the same marker.
   */
  event(e: SessionEvent): void {
    if (e.kind === 'annotation') this.writer.annotate(e.t_s, e.reason, e.duration_s);
    else if (e.kind === 'marker') this.writer.annotate(e.t_s, markerAnnotation(e.marker));
    else this.writer.annotate(e.t_s, `${NEUROLOOP_TAG.event} ${e.kind}: ${e.reason}`);
  }

  step(step: SessionStep): void {
    const a = step.applied;
    const p = this.previous;
    if (p === null || p.enabled !== a.enabled || p.amplitude_mA !== a.amplitude_mA || p.frequency_Hz !== a.frequency_Hz || p.pulseWidth_us !== a.pulseWidth_us) {
      this.writer.annotate(step.t_s, a.enabled ? `${NEUROLOOP_TAG.stim} ${a.amplitude_mA} mA ${a.frequency_Hz} Hz ${a.pulseWidth_us} us` : `${NEUROLOOP_TAG.stim} off`);
      this.previous = a;
    }
    const cells: string[] = [String(step.index), String(step.t_s), step.valid ? '1' : '0', step.biomarker === null || !Number.isFinite(step.biomarker) ? '' : String(step.biomarker)];
    for (let c = 0; c < this.s.built.channels.length; c++) {
      for (const band of this.bandNames) cells.push(String(step.bandPower[band]?.[c] ?? ''));
    }
    cells.push(a.enabled ? '1' : '0', String(a.amplitude_mA), String(a.frequency_Hz), String(a.pulseWidth_us));
    this.features.appendLine(cells.join(','), step.t_s * 1000);
  }

  /** A stop asked after the step at `t_s` ([stop]: a replay asks for it at the same step). */
  stop(t_s: number, how: string): void {
    this.writer.annotate(t_s, `${NEUROLOOP_TAG.stop} ${how}`);
  }

  /** Ends the signal file ([end] reason), closes every file and writes the manifest with their digests. */
  async close(endReason: string, clean: boolean, duration_s: number): Promise<void> {
    this.features.close();
    await this.writer.close(endReason);
    const names = [this.signalFile, SESSION_FILES.trace, SESSION_FILES.features, SESSION_FILES.config];
    await this.folder.writeManifest({
      ...this.manifest,
      endedAt: new Date().toISOString(),
      endReason,
      clean,
      duration_s,
      signal: this.writer.counters(),
      closedCleanly: true,
      files: await this.folder.digests(names),
    });
  }

  /** A failure before the session ran: what was written stays, marked as not closed. */
  abandon(): void {
    this.features.close();
    this.writer.abandon();
  }
}

async function writeConfig(path: string, config: Config): Promise<void> {
  const text = `# The resolved config of this session (every default filled in): neuroloop replay signal.* --config config.yaml\n${stringify(config)}`;
  await AtomicTextOutput.writeWith(path, (out) => out.write(text));
}
