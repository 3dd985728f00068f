import { availableParallelism } from 'node:os';
import type { Observable } from 'rxjs';
import type { Config } from '../config/schema.js';
import { createPolicy } from '../controller/policies/createPolicy.js';
import type { Policy } from '../controller/policies/policy.js';
import type { GpioOutputLine } from '../controller/gpio.js';
import { BurstPattern } from '../controller/policies/burstPattern.js';
import type { PulseStimulatorPort, StimulatorCounters } from '../controller/ports.js';
import { PulseGovernor } from '../controller/pulseGovernor.js';
import { PhaseLockedTrigger } from '../controller/policies/phaseLockedTrigger.js';
import type { PulseSchedule } from '../controller/policies/pulseSchedule.js';
import { checkPulsePattern } from './pulsePatternCheck.js';
import { SimulatedPulseStimulator } from '../sim/simulatedPulseStimulator.js';
import { TtlPulseStimulator, type TtlPulseCounters } from '../drivers/gpio/ttlPulseStimulator.js';
import { TtlTrigger } from '../drivers/gpio/ttlTrigger.js';
import type { AdcCounters } from '../controller/sampleSource.js';
import { SafetyGovernor } from '../controller/safetyGovernor.js';
import { ClosedLoopSession, type SessionOptions, type SessionStep } from '../controller/session.js';
import { signalPathOptions } from '../controller/signalPathOptions.js';
import { createStimulationSweep } from '../controller/stimulationSweep.js';
import { createThresholdCalibration } from '../controller/thresholdCalibration.js';
import { type FeatureExtractorOptions, resolveBandPowerMethod } from '../signals/featureExtractor.js';
import { levelFor } from '../drivers/gpio/safeLevel.js';
import { EstopInput } from '../drivers/gpio/estopInput.js';
import { InputError } from '../drivers/inputError.js';
import { bandPowerThreads } from '../drivers/threads/bandPowerThreads.js';
import { PLAUSIBLE } from '../config/plausibleRanges.js';
import type { EmulatedRig } from '../sim/emulatedRig.js';
import type { SyntheticBrain } from '../sim/syntheticBrain.js';
import { HardwareContext } from './hardwareContext.js';
import { type OpenedSource, SOURCES, sourcePacing } from './sources.js';
import { STIMULATORS } from './stimulators.js';

export interface SessionOverrides {
  /** Folder of the config file: relative paths in it are taken from there. */
  readonly configDir: string;
  readonly duration_s?: number;
  readonly speed?: 'realtime' | 'max';
  /** A file source at realtime pacing: data seconds per host second (replay --speed N). */
  readonly speedFactor?: number;
  /** A file source: start this many seconds into the data (replay --from). */
  readonly from_s?: number;
  /** Notices about the input (skipped signals, truncated records): for the user. */
  readonly onNotice?: (message: string) => void;
  /** Progress through a file source (0..1). */
  readonly onProgress?: (fraction: number) => void;
  /** neuroloop's own tags read from a replayed neuroloop recording. */
  readonly onOwnTag?: (text: string, index: number) => void;
}

export type SessionHooks = Pick<SessionOptions, 'onEvent' | 'onBlock' | 'commands'>;

/** What the drivers counted (the summary's `driver`): null parts are not hardware. */
export interface DriverCounters {
  readonly source: AdcCounters | null;
  readonly stimulator: StimulatorCounters | null;
  readonly estopPresses: number | null;
  /** The TTL trigger line's pulse counters (gpio.trigger with a pulses section). */
  readonly pulses: TtlPulseCounters | null;
}

export interface BuiltSession {
  readonly session: ClosedLoopSession;
  /** The running loop: one step per feature frame (subscribe to start it). */
  readonly steps: Observable<SessionStep>;
  readonly policy: Policy;
  readonly governor: SafetyGovernor;
  readonly channels: readonly string[];
  readonly fs_Hz: number;
  readonly pacing: 'realtime' | 'max';
  /** The simulated patient, when there is one (ground truth). */
  readonly brain: () => SyntheticBrain | null;
  readonly driverCounters: () => DriverCounters;
  /** The emulated bench behind the drivers, when the hardware is emulated (tests and the bench look inside). */
  readonly rig: EmulatedRig | null;
  /** The source as opened: its grid (what a recording stores), description, clipped samples. */
  readonly source: OpenedSource;
  /** Puts every chip and line into its safe state and releases them (after the loop has ended). */
  readonly close: () => Promise<void>;
}

/**
 * The composition of a session from a validated config: source and stimulator through the
 * registries keyed by `kind` (cli/sources.ts, cli/stimulators.ts), the signal path, the
 * policy, the governor, and the GPIO lines around them (e-stop, trigger). On a failure
 * half-way, whatever was opened is closed again before the error goes on.
 */
export async function buildSession(config: Config, o: SessionOverrides, hooks: SessionHooks = {}): Promise<BuiltSession> {
  const pacing = sourcePacing(config.source, o.speed);
  const hardware = new HardwareContext(config, pacing);
  try {
    return await compose(config, o, hooks, pacing, hardware);
  } catch (error) {
    await hardware.close();
    throw error;
  }
}

async function compose(config: Config, o: SessionOverrides, hooks: SessionHooks, pacing: 'realtime' | 'max', hardware: HardwareContext): Promise<BuiltSession> {
  let session: ClosedLoopSession | null = null;
  // Driver events before the session exists (opening the hardware) go to the log only.
  const early = hooks.onEvent;
  hardware.onDriverEvent = (e) => (session ? session.note(e) : early?.(e));
  const gpio = config.gpio;
  // Output lines first, at their safe levels, before any chip is touched.
  let triggerLine: GpioOutputLine | null = null;
  let trigger: TtlTrigger | null = null;
  if (gpio.trigger !== undefined) {
    const line = await (await hardware.gpio()).output(gpio.trigger.line, levelFor('inactive', gpio.trigger.activeLevel), 'neuroloop trigger');
    triggerLine = line;
    hardware.onClose(async () => {
      // A pulse stimulator on the line ends its pulse in progress and leaves the line inactive.
      if (trigger !== null) await trigger.close();
      else await line.set(levelFor('inactive', gpio.trigger?.activeLevel ?? 'high'));
    });
  }
  const opener = SOURCES[config.source.kind] as (s: Config['source'], ctx: Parameters<(typeof SOURCES)['sim']>[1]) => ReturnType<(typeof SOURCES)['sim']>;
  let opened: Awaited<ReturnType<typeof opener>> | null = null;
  const brain = (): SyntheticBrain | null => opened?.brain() ?? null;
  const stimOpener = STIMULATORS[config.stimulator.kind] as (s: Config['stimulator'], ctx: Parameters<(typeof STIMULATORS)['simulated']>[1]) => ReturnType<(typeof STIMULATORS)['simulated']>;
  const stim = await stimOpener(config.stimulator, { hardware, brain, onFault: (device, reason) => session?.fault(device, reason) });
  opened = await opener(config.source, {
    configDir: o.configDir,
    duration_s: o.duration_s,
    pacing,
    speed: o.speedFactor,
    from_s: o.from_s,
    hardware,
    config,
    // Subscribed only after the session exists: annotations go into its next step.
    onAnnotation: (e) => session?.note(e),
    onNotice: o.onNotice ?? (() => {}),
    onProgress: o.onProgress,
    onOwnTag: o.onOwnTag,
  });
  const source = opened;

  if (!(source.fs_Hz >= PLAUSIBLE.fs_Hz.min && source.fs_Hz <= PLAUSIBLE.fs_Hz.max)) {
    throw new InputError(`${source.describe}: sample rate ${source.fs_Hz} Hz is outside ${PLAUSIBLE.fs_Hz.min} to ${PLAUSIBLE.fs_Hz.max} Hz`);
  }
  if (source.channels.length > PLAUSIBLE.channels.max) {
    throw new InputError(`${source.describe}: ${source.channels.length} channels, more than the ${PLAUSIBLE.channels.max} a session takes; pick some with --channels`);
  }
  const threads = config.signals.threads;
  let signalPath: FeatureExtractorOptions;
  try {
    signalPath = {
      ...signalPathOptions(config.signals, source.channels, source.fs_Hz),
      startIndex: source.startIndex ?? 0,
      bandPowerRunner: threads > 1 ? bandPowerThreads(threads) : undefined, // not called when partial sums are resolved
    };
  } catch (error) {
    // The config's signal path does not fit this source (a filter above its Nyquist frequency, a channel it lacks).
    throw new InputError(`signals: ${(error as Error).message} (the source: ${source.describe}, ${source.channels.length} channel(s) at ${source.fs_Hz} Hz)`);
  }
  const channelPairs = Math.ceil(source.channels.length / 2);
  if (threads > 1 && resolveBandPowerMethod(signalPath) === 'partial-sums') {
    // Partial sums leave little for the window's end and run where the samples arrive: no threads to share it.
    o.onNotice?.(`signals.threads is ${threads}, but band power is made by partial sums (signals.band_power_method ${config.signals.band_power_method}), which run on one thread: the workers are not started`);
  } else if (threads > channelPairs) {
    // Channels are shared out in pairs (odd windows transform two at once): more threads than pairs would idle.
    o.onNotice?.(`signals.threads is ${threads}, but ${source.channels.length} channel(s) make ${channelPairs} pair(s): ${channelPairs} thread(s) will be used`);
  } else if (threads > availableParallelism()) {
    o.onNotice?.(`signals.threads is ${threads}, more than the ${availableParallelism()} core(s) here: the threads will take turns, and decisions come later, not sooner`);
  }
  const policy = createPolicy(config.policy);
  const p = config.policy;
  if ((p.kind === 'tdcs-ramp' || p.kind === 'tacs') && o.duration_s !== undefined) {
    // The session's end cuts a current at once; the policy's own ramp down comes only at the end of its duration.
    const rampDownEnds_s = p.startupDelay_ms / 1000 + p.duration_s;
    if (o.duration_s < rampDownEnds_s) o.onNotice?.(`--duration ${o.duration_s} s ends the session before the ${p.kind} policy's ramp down (done at ${rampDownEnds_s} s): the current will be cut at once at the end; use --duration ${Math.ceil(rampDownEnds_s + 1)} or more, or Ctrl+C, which ramps it down`);
  }
  // The modality's limits (limits.vns, limits.current, limits.pulses) as the config file declared them; a mismatch throws.
  const governor = new SafetyGovernor(config.limits, config.stimulator.modality);
  let pulses: SessionOptions['pulses'];
  let ttlPulses: TtlPulseStimulator | null = null;
  if (config.pulses !== undefined) {
    checkPulsePattern(config, source.fs_Hz);
    const t = gpio.trigger;
    if (triggerLine !== null && t !== undefined) {
      // A real trigger line fires real pulses: only at the pace the samples were taken, never faster.
      if (hardware.rig === null && (pacing === 'max' || (o.speedFactor !== undefined && o.speedFactor !== 1))) {
        throw new InputError(`gpio.trigger: GPIO${t.line} is a real line and would fire pulses at ${pacing === 'max' ? 'the CPU\'s pace (--speed max)' : `${o.speedFactor}x real time`}; run at real time, or without gpio.trigger to trace the pulses only`);
      }
      trigger = new TtlTrigger({ line: triggerLine, activeLevel: t.activeLevel, pulseWidth_us: t.pulseWidth_us, clock: hardware.clock });
      ttlPulses = new TtlPulseStimulator({
        trigger,
        clock: hardware.clock,
        fs_Hz: source.fs_Hz,
        minInterval_ms: config.limits.pulses?.minInterval_ms ?? Number.POSITIVE_INFINITY,
        delay_ms: t.delay_ms,
        onEvent: (reason) => hardware.onDriverEvent({ t_s: session?.end_s ?? 0, kind: 'driver', device: `trigger GPIO${t.line}`, reason }),
        // On emulated hardware the simulated patient feels each pulse when its edge is made.
        onEdge: hardware.rig === null ? undefined : () => brain()?.pulse(),
      });
    }
    // Without a trigger line the pulses are decided and traced, and reach the simulated patient when there is one (else nowhere: a replay).
    const port: PulseStimulatorPort = ttlPulses ?? new SimulatedPulseStimulator(brain);
    pulses = { schedule: pulseSchedule(config.pulses.schedule, source, o), governor: new PulseGovernor(config.limits.pulses, source.fs_Hz), stimulator: port };
  }
  const calibration = createThresholdCalibration(config.policy, signalPath);
  const sweep = createStimulationSweep(config.policy, signalPath);
  const built = new ClosedLoopSession({ signalPath, policy, governor, stimulator: stim.stimulator, pulses, calibration, sweep, ...hooks });
  session = built;

  let estop: EstopInput | null = null;
  if (gpio.estop !== undefined) {
    const line = await (await hardware.gpio()).input(gpio.estop.line, 'both', 'neuroloop e-stop');
    const where = `e-stop input GPIO${gpio.estop.line}`;
    estop = new EstopInput({ line, activeLevel: gpio.estop.activeLevel, debounce_ms: gpio.estop.debounce_ms, clock: hardware.clock, onPress: () => built.estop(`${where} pressed`) });
    // A button already held down (or a broken wire reading active) would stop at once: refuse to start instead.
    if (await estop.isPressed()) throw new InputError(`gpio.estop: ${where} reads ${gpio.estop.activeLevel} (pressed) at start; release the button or check its wiring and activeLevel`);
  }
  const estopInput = estop;
  return {
    session: built,
    steps: built.run(source.blocks),
    policy,
    governor,
    channels: source.channels,
    fs_Hz: source.fs_Hz,
    pacing,
    brain,
    driverCounters: () => ({ source: source.counters?.() ?? null, stimulator: stim.counters?.() ?? null, estopPresses: estopInput?.presses ?? null, pulses: ttlPulses?.counters() ?? null }),
    rig: hardware.rig,
    source,
    close: () => hardware.close(),
  };
}

/** The schedule a pulses section asks for, on the opened source. */
function pulseSchedule(schedule: NonNullable<Config['pulses']>['schedule'], source: OpenedSource, o: SessionOverrides): PulseSchedule {
  if (schedule.kind === 'phase') {
    const channel = typeof schedule.channel === 'number' ? schedule.channel : source.channels.indexOf(schedule.channel);
    if (channel < 0 || channel >= source.channels.length) {
      throw new InputError(`pulses.schedule.channel: the source has no channel ${JSON.stringify(schedule.channel)} (channels: ${source.channels.join(', ')})`);
    }
    if (schedule.band.hi_Hz >= source.fs_Hz / 2) {
      throw new InputError(`pulses.schedule.band.hi_Hz: ${schedule.band.hi_Hz} Hz is not below the Nyquist frequency of ${source.describe} (${source.fs_Hz / 2} Hz)`);
    }
    return new PhaseLockedTrigger(
      {
        channel,
        targetPhase_deg: schedule.targetPhase_deg,
        band: schedule.band,
        amplitudeGate: schedule.amplitudeGate,
        refractory_ms: schedule.refractory_ms,
        lead_ms: schedule.lead_ms,
        blank_ms: schedule.blank_ms,
        estimator: { window_ms: schedule.window_ms, estimateEvery_samples: schedule.estimateEvery_samples },
      },
      source.fs_Hz,
    );
  }
  const { kind: _pattern, ...spec } = schedule;
  // The pattern's time starts at the session's sample 0, so a replay from --from fires where the live run did.
  const pattern = new BurstPattern(spec, source.fs_Hz, 0);
  pattern.skipBefore(source.startIndex ?? 0);
  if (o.duration_s !== undefined && spec.start_s >= o.duration_s) {
    o.onNotice?.(`pulses.schedule.start_s is ${spec.start_s} s, at or after the session's end (${o.duration_s} s): no pulse will fire`);
  }
  return pattern;
}
