import { resolve } from 'node:path';
import { from, type Observable } from 'rxjs';
import type { Config } from '../config/schema.js';
import { createPolicy } from '../controller/policies/createPolicy.js';
import type { Policy } from '../controller/policies/policy.js';
import type { StimulatorPort } from '../controller/ports.js';
import { NullStimulator } from '../drivers/nullStimulator.js';
import { SafetyGovernor } from '../controller/safetyGovernor.js';
import { ClosedLoopSession, type SessionOptions, type SessionStep } from '../controller/session.js';
import { signalPathOptions } from '../controller/signalPathOptions.js';
import { openCsvSignal } from '../drivers/csvSignalReader.js';
import { InputError } from '../drivers/inputError.js';
import type { SampleBlock } from '../signals/sampleBlock.js';
import { SimulatedStimulator } from '../sim/simulatedStimulator.js';
import type { SyntheticBrain } from '../sim/syntheticBrain.js';
import { channelNames, syntheticSource } from '../sim/syntheticSource.js';

export interface SessionOverrides {
  /** Folder of the config file: relative paths in it are taken from there. */
  readonly configDir: string;
  readonly duration_s?: number;
  readonly speed?: 'realtime' | 'max';
}

export type SessionHooks = Pick<SessionOptions, 'onEvent' | 'onBlock' | 'commands'>;

export interface BuiltSession {
  readonly session: ClosedLoopSession;
  /** The running loop: one step per feature frame (subscribe to start it). */
  readonly steps: Observable<SessionStep>;
  readonly policy: Policy;
  readonly governor: SafetyGovernor;
  readonly channels: readonly string[];
  readonly fs_Hz: number;
  readonly pacing: 'realtime' | 'max';
  /** The simulated patient, when the source is the simulator (ground truth). */
  readonly brain: () => SyntheticBrain | null;
}

/**
 * The composition of a session from a validated config: the source (simulator or file),
 * the signal path, the policy, the governor and the stimulator (the simulated one drives
 * the simulated patient; a replay's output goes nowhere).
 */
export async function buildSession(config: Config, o: SessionOverrides, hooks: SessionHooks = {}): Promise<BuiltSession> {
  const source = config.source;
  let blocks: Observable<SampleBlock>;
  let channels: string[];
  let fs_Hz: number;
  let pacing: 'realtime' | 'max';
  let brain: SyntheticBrain | null = null;
  let stimulator: StimulatorPort;
  if (source.kind === 'sim') {
    pacing = o.speed ?? source.pacing;
    channels = channelNames(source.channels);
    fs_Hz = source.fs_Hz;
    // The stimulator needs the brain, which each subscription makes afresh.
    const simulated: { target: SimulatedStimulator | null } = { target: null };
    stimulator = { apply: (params) => simulated.target?.apply(params) };
    blocks = syntheticSource(
      { fs_Hz, channels: source.channels, seed: source.seed, brain: source.brain, plant: source.plant, block_samples: source.block_samples, pacing, duration_s: o.duration_s },
      (b) => {
        brain = b;
        simulated.target = new SimulatedStimulator(b);
      },
    );
  } else if (source.kind !== 'csv') {
    throw new InputError(`source.kind ${source.kind}: not wired yet`);
  } else {
    pacing = o.speed ?? source.pacing;
    if (pacing === 'realtime') throw new InputError('source.pacing: realtime replay of a CSV file is not implemented yet; use max');
    const signal = await openCsvSignal(resolve(o.configDir, source.path), { fs_Hz: source.fs_Hz, block_samples: source.block_samples });
    channels = [...signal.channels];
    fs_Hz = signal.fs_Hz;
    const limit = o.duration_s === undefined ? Number.POSITIVE_INFINITY : Math.round(o.duration_s * fs_Hz);
    blocks = from(
      (async function* limited(): AsyncGenerator<SampleBlock> {
        for await (const block of signal.blocks) {
          if (block.firstIndex >= limit) return;
          yield block;
        }
      })(),
    );
    stimulator = new NullStimulator();
  }

  let signalPath;
  try {
    signalPath = signalPathOptions(config.signals, channels, fs_Hz);
  } catch (error) {
    throw new InputError((error as Error).message);
  }
  const policy = createPolicy(config.policy);
  const governor = new SafetyGovernor(config.limits);
  const session = new ClosedLoopSession({ signalPath, policy, governor, stimulator, ...hooks });
  return { session, steps: session.run(blocks), policy, governor, channels, fs_Hz, pacing, brain: () => brain };
}
