import { Observable, type Subscriber } from 'rxjs';
import { ADS_FULL_SCALE_V, ADS_MUX, ADS1015_DATA_RATES_SPS, ADS1115_DATA_RATES_SPS, type AdsSourceConfig, adsConversionsPerInput, adsNominalFs_Hz } from '../config/hardwareSchema.js';
import type { Clock } from '../controller/clock.js';
import type { DriverEvent } from '../controller/driverEvent.js';
import type { GpioEdge, GpioInputLine } from '../controller/gpio.js';
import type { I2cBusPort } from '../controller/i2cBus.js';
import type { AdcCounters, SampleSourcePort } from '../controller/sampleSource.js';
import type { SampleBlock } from '../signals/sampleBlock.js';
import { withTimeout } from './withTimeout.js';

/** Register pointers (TI SBAS444D, address pointer register P[1:0]). */
export const ADS_POINTER = { conversion: 0x00, config: 0x01, lo: 0x02, hi: 0x03 } as const;
/**
 * ALERT/RDY as conversion-ready: Hi_thresh MSB 1, Lo_thresh MSB 0 (and COMP_QUE != 11). With
 * COMP_POL 0 the pin is active low: it pulses low at the end of every conversion.
 */
const RDY_HI_THRESH = 0x8000;
const RDY_LO_THRESH = 0x0000;
/** The edge the conversion-ready pulse starts with (COMP_POL = 0, active low). */
export const ADS_RDY_EDGE: GpioEdge = 'falling';
/** Edges missing for this many conversion periods: the RDY line is taken for dead and the driver polls. */
const RDY_SILENT_PERIODS = 3;
/** At most one I2C-error event per this much data time (the counters have every one). */
const EVENT_INTERVAL_S = 1;

export interface Ads1x15SourceOptions {
  readonly config: AdsSourceConfig;
  readonly bus: I2cBusPort;
  readonly clock: Clock;
  /** ALERT/RDY, claimed by the caller for ADS_RDY_EDGE edges; undefined: poll. */
  readonly rdy?: GpioInputLine;
  readonly onEvent: (event: DriverEvent) => void;
  /** Stop after this much data (seconds of sample index); undefined: until unsubscribed. */
  readonly duration_s?: number;
}

/** The config word for `mux` (SBAS444D, config register): continuous, comparator as conversion-ready. */
export function adsConfigWord(config: AdsSourceConfig, mux: (typeof ADS_MUX)[number]): number {
  const muxBits = ADS_MUX.indexOf(mux);
  const pgaBits = (ADS_FULL_SCALE_V as readonly number[]).indexOf(config.fullScale_V);
  const rates: readonly number[] = config.kind === 'ads1115' ? ADS1115_DATA_RATES_SPS : ADS1015_DATA_RATES_SPS;
  const drBits = rates.indexOf(config.dataRate_SPS);
  if (muxBits < 0 || pgaBits < 0 || drBits < 0) throw new Error(`ADS1x15 config: no register code for mux ${mux}, range ${config.fullScale_V} V, rate ${config.dataRate_SPS} SPS`);
  // OS 0 (no single shot), MODE 0 (continuous), COMP_MODE 0, COMP_POL 0 (active low), COMP_LAT 0, COMP_QUE 00 (assert after one conversion).
  return (muxBits << 12) | (pgaBits << 9) | (drBits << 5);
}

/**
 * ADS1115/ADS1015 as a sample source (docs/design.md, Hardware). Continuous conversions paced
 * by the chip's own oscillator through ALERT/RDY (polling when there is no RDY line or it
 * goes quiet); several inputs are cycled by rewriting MUX, and the first conversion after
 * each switch, made with the previous input, is discarded. So each channel is sampled every
 * `inputs x 2` conversion periods, at uniform chip-paced times (single-shot per channel would
 * be faster but paced by the host's jitter).
 *
 * Sample indices count conversions, not reads: conversions the host missed (late edges, a
 * read that failed after its retries, a stalled bus) are index gaps, never filled, so
 * `samples + gapSamples` is the index reached.
 */
export class Ads1x15Source implements SampleSourcePort {
  readonly channels: readonly string[];
  readonly fs_Hz: number;
  private readonly o: Ads1x15SourceOptions;
  private readonly device: string;
  private readonly inputs: number;
  private readonly conversionsPerRound: number;
  /** Conversions counted before the first round ends: the one after the config write is discarded too. */
  private readonly firstRoundAt: number;
  private readonly nominalPeriod_ms: number;
  private readonly uV_per_code: number;
  private readonly saturationCode: number;
  private readonly configWords: number[];
  private readonly counts: AdcCounters = { samples: 0, gapSamples: 0, gaps: 0, i2cErrors: 0, retries: 0, staleDiscarded: 0, saturatedSamples: 0, rdyTimeouts: 0, measuredFs_Hz: null };
  private readBuffer = Buffer.alloc(2);
  private writeBuffer = Buffer.alloc(3);
  private pointerBuffer = Buffer.from([ADS_POINTER.conversion]);
  private closed = false;
  private running = false;

  // Acquisition state (one subscription at a time).
  private subscriber: Subscriber<SampleBlock> | null = null;
  private conversions = 0;
  private lastRead = -1;
  private sinceSwitch = 0;
  private switchDone_ms = Number.NEGATIVE_INFINITY;
  private inputIndex = 0;
  private needSwitch = false;
  private roundLost = false;
  private roundSaturated = false;
  private readonly round: Float32Array;
  private nextIndex = 0;
  private endIndex: number;
  private block: Float32Array[] = [];
  private blockFirst = 0;
  private blockLength = 0;
  private blockSaturated = false;
  private busy = false;
  private again = false;
  private lastEdge_ms = Number.NaN;
  private firstEdge_ms = Number.NaN;
  private firstEdgeConversions = 0;
  private period_ms: number;
  private polling = false;
  private cancelPoll: (() => void) | null = null;
  private cancelWatchdog: (() => void) | null = null;
  private lastErrorEvent_s = Number.NEGATIVE_INFINITY;
  private suppressedErrors = 0;
  private inGap = false;

  constructor(options: Ads1x15SourceOptions) {
    this.o = options;
    const c = options.config;
    this.device = `${c.kind}@0x${c.address.toString(16)}`;
    this.inputs = c.inputs.length;
    this.channels = c.inputs.map((i) => i.name);
    this.fs_Hz = adsNominalFs_Hz(c.dataRate_SPS, this.inputs);
    this.conversionsPerRound = this.inputs * adsConversionsPerInput(this.inputs);
    this.firstRoundAt = this.inputs === 1 ? 2 : this.conversionsPerRound;
    this.nominalPeriod_ms = 1000 / c.dataRate_SPS;
    this.period_ms = this.nominalPeriod_ms;
    // ADS1115: 16-bit codes over +/-FS; ADS1015: 12-bit codes (left-justified, shifted out below).
    const codes = c.kind === 'ads1115' ? 32768 : 2048;
    this.saturationCode = codes;
    this.uV_per_code = ((c.fullScale_V / codes) / c.frontEndGain) * 1e6;
    this.configWords = c.inputs.map((i) => adsConfigWord(c, i.mux));
    this.round = new Float32Array(this.inputs);
    this.endIndex = options.duration_s === undefined ? Number.POSITIVE_INFINITY : Math.round(options.duration_s * this.fs_Hz);
  }

  counters(): AdcCounters {
    return { ...this.counts };
  }

  blocks(): Observable<SampleBlock> {
    return new Observable<SampleBlock>((subscriber) => {
      if (this.subscriber !== null) {
        subscriber.error(new Error(`${this.device}: already acquiring (one subscription at a time)`));
        return;
      }
      this.subscriber = subscriber;
      this.running = true;
      this.start().catch((error: unknown) => {
        this.stop();
        subscriber.error(error);
      });
      return () => this.stop();
    });
  }

  async close(): Promise<void> {
    this.stop();
    if (this.closed) return;
    this.closed = true;
    // Single-shot mode: the chip powers down after the conversion in progress.
    try {
      await this.writeRegister(ADS_POINTER.config, 0x0100 | (this.configWords[0] & 0x7eff));
    } catch {
      // The chip may be gone; closing goes on.
    }
  }

  private stop(): void {
    this.running = false;
    this.subscriber = null;
    this.cancelPoll?.();
    this.cancelPoll = null;
    this.cancelWatchdog?.();
    this.cancelWatchdog = null;
  }

  private async start(): Promise<void> {
    const c = this.o.config;
    const first = this.configWords[0];
    // Each step retried like any transfer; what still fails stops the start with its error.
    await this.transfer(() => this.writeRegister(ADS_POINTER.lo, RDY_LO_THRESH));
    await this.transfer(() => this.writeRegister(ADS_POINTER.hi, RDY_HI_THRESH));
    await this.transfer(() => this.writeRegister(ADS_POINTER.config, first));
    const back = await this.transfer(() => this.readRegister(ADS_POINTER.config));
    // OS reads back as the conversion state, not what was written: compare bits 14:0.
    if ((back & 0x7fff) !== (first & 0x7fff)) {
      throw new Error(`${this.device} on bus ${c.bus}: config read back 0x${back.toString(16).padStart(4, '0')}, wrote 0x${first.toString(16).padStart(4, '0')} (is this an ${c.kind}?)`);
    }
    await this.transfer(() => this.setPointer(ADS_POINTER.conversion));
    this.switchDone_ms = this.o.clock.now_ms();
    this.sinceSwitch = 0;
    this.newBlock(0);
    if (this.o.rdy) {
      this.o.rdy.watch(() => this.onEdge());
      this.armWatchdog();
    } else {
      this.note('no ALERT/RDY line configured: polling the conversion register at the nominal rate');
      this.startPolling();
    }
  }

  /** A conversion ended (RDY edge): count it, and the ones missed since the last edge. */
  private onEdge(): void {
    if (!this.running) return;
    const now = this.o.clock.now_ms();
    if (this.polling) {
      this.polling = false;
      this.cancelPoll?.();
      this.cancelPoll = null;
      this.note('ALERT/RDY edges again: paced by the chip');
      this.lastEdge_ms = Number.NaN;
    }
    const n = Number.isNaN(this.lastEdge_ms) ? 1 : Math.max(1, Math.round((now - this.lastEdge_ms) / this.period_ms));
    this.lastEdge_ms = now;
    this.countConversions(n, now);
    this.measure(now);
    this.armWatchdog();
    void this.service();
  }

  private countConversions(n: number, now: number): void {
    this.conversions += n;
    // Conversions that ended before the MUX write was done belong to the input before.
    if (now >= this.switchDone_ms) this.sinceSwitch += n;
  }

  /** Conversion rate from the chip's own timing: edges (and the missed ones) over time. */
  private measure(now: number): void {
    if (Number.isNaN(this.firstEdge_ms)) {
      this.firstEdge_ms = now;
      this.firstEdgeConversions = this.conversions;
      return;
    }
    const span = this.conversions - this.firstEdgeConversions;
    if (span >= 10) {
      const rate_SPS = (span * 1000) / (now - this.firstEdge_ms);
      this.period_ms = 1000 / rate_SPS;
      this.counts.measuredFs_Hz = rate_SPS / this.conversionsPerRound;
    }
  }

  private armWatchdog(): void {
    this.cancelWatchdog?.();
    this.cancelWatchdog = this.o.clock.setTimer(Math.max(RDY_SILENT_PERIODS * this.period_ms, 5), () => {
      if (!this.running || this.polling) return;
      this.counts.rdyTimeouts++;
      this.note(`ALERT/RDY silent for ${RDY_SILENT_PERIODS} conversion periods: polling the conversion register every ${this.period_ms.toFixed(3)} ms`);
      this.startPolling();
    });
  }

  /** Host-paced fallback: one read per (measured) conversion period; the times are the host's, not the chip's. */
  private startPolling(): void {
    this.polling = true;
    let last = this.o.clock.now_ms();
    const tick = (): void => {
      if (!this.running || !this.polling) return;
      const now = this.o.clock.now_ms();
      const n = Math.max(1, Math.round((now - last) / this.period_ms));
      last = now;
      this.countConversions(n, now);
      void this.service();
      this.cancelPoll = this.o.clock.setTimer(this.period_ms, tick);
    };
    this.cancelPoll = this.o.clock.setTimer(this.period_ms, tick);
  }

  /** One step at a time; edges that arrive meanwhile are counted and served after. */
  private async service(): Promise<void> {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    try {
      do {
        this.again = false;
        await this.step();
      } while (this.again && this.running);
    } catch (error) {
      this.subscriber?.error(error);
      this.stop();
    } finally {
      this.busy = false;
    }
  }

  private async step(): Promise<void> {
    if (!this.running) return;
    if (this.needSwitch) {
      await this.switchInput();
      return;
    }
    // Nothing new since the last read, or the conversion in progress at the MUX switch (stale).
    if (this.conversions === this.lastRead) return;
    if (this.sinceSwitch < 2) {
      this.counts.staleDiscarded++;
      return;
    }
    const conversion = this.conversions;
    this.lastRead = conversion;
    const code = await this.readConversion();
    const input = this.inputIndex;
    if (code === null) {
      this.roundLost = true;
    } else {
      if (code >= this.saturationCode - 1 || code <= -this.saturationCode) this.roundSaturated = true;
      this.round[input] = code * this.uV_per_code;
    }
    this.inputIndex = (input + 1) % this.inputs;
    if (this.inputIndex === 0) this.endRound(conversion);
    if (this.inputs > 1) {
      this.needSwitch = true;
      await this.switchInput();
    }
  }

  /** Rewrites MUX for the next input; the conversion in progress is then stale. */
  private async switchInput(): Promise<void> {
    try {
      await this.transfer(() => this.writeRegister(ADS_POINTER.config, this.configWords[this.inputIndex]));
      await this.transfer(() => this.setPointer(ADS_POINTER.conversion));
      this.needSwitch = false;
      this.sinceSwitch = 0;
      this.switchDone_ms = this.o.clock.now_ms();
    } catch {
      // Counted in transfer(); tried again at the next conversion.
    }
  }

  /** A round (one value per input) ended at `conversion`: its sample index comes from the conversion count. */
  private endRound(conversion: number): void {
    const index = Math.max(this.nextIndex, Math.floor((conversion - this.firstRoundAt) / this.conversionsPerRound));
    if (index > this.nextIndex) this.gap(index - this.nextIndex);
    if (this.nextIndex >= this.endIndex) return this.finish();
    if (this.roundLost) {
      this.gap(1);
    } else {
      if (this.blockFirst + this.blockLength !== this.nextIndex) this.newBlock(this.nextIndex);
      for (let c = 0; c < this.inputs; c++) this.block[c][this.blockLength] = this.round[c];
      this.blockLength++;
      this.nextIndex++;
      this.counts.samples++;
      this.inGap = false;
      if (this.roundSaturated) {
        this.counts.saturatedSamples++;
        this.blockSaturated = true;
      }
      if (this.blockLength === this.block[0].length) this.emitBlock();
    }
    this.roundLost = false;
    this.roundSaturated = false;
    if (this.nextIndex >= this.endIndex) this.finish();
  }

  private gap(samples: number): void {
    const n = Math.min(samples, this.endIndex - this.nextIndex);
    if (n <= 0) return;
    this.emitBlock();
    if (!this.inGap) this.counts.gaps++;
    this.inGap = true;
    this.counts.gapSamples += n;
    this.nextIndex += n;
    this.newBlock(this.nextIndex);
  }

  private finish(): void {
    this.emitBlock();
    const subscriber = this.subscriber;
    this.stop();
    subscriber?.complete();
  }

  private newBlock(first: number): void {
    this.blockFirst = first;
    this.blockLength = 0;
    this.blockSaturated = false;
    // A block's arrays go downstream with it: one allocation per block, none per sample.
    this.block = Array.from({ length: this.inputs }, () => new Float32Array(this.o.config.block_samples));
  }

  private emitBlock(): void {
    if (this.blockLength === 0 || this.subscriber === null) return;
    const n = this.blockLength;
    const data = n === this.block[0].length ? this.block : this.block.map((a) => a.subarray(0, n));
    const block: SampleBlock = this.blockSaturated
      ? { firstIndex: this.blockFirst, fs_Hz: this.fs_Hz, channels: this.channels, data, flags: ['saturated'] }
      : { firstIndex: this.blockFirst, fs_Hz: this.fs_Hz, channels: this.channels, data };
    this.newBlock(this.blockFirst + n);
    this.subscriber.next(block);
  }

  /** The latest conversion as a signed code (ADS1015: the 12-bit value), or null when every try failed. */
  private async readConversion(): Promise<number | null> {
    try {
      const raw = await this.transfer(async () => {
        await this.o.bus.i2cRead(this.o.config.address, 2, this.readBuffer);
        return this.readBuffer.readInt16BE(0);
      });
      return this.o.config.kind === 'ads1115' ? raw : raw >> 4;
    } catch {
      return null;
    }
  }

  /** Tries `act` 1 + retries times, each within the transfer timeout; counts errors and retries. */
  private async transfer<T>(act: () => Promise<T>): Promise<T> {
    const c = this.o.config;
    for (let attempt = 0; ; attempt++) {
      try {
        return await withTimeout(act(), this.o.clock, c.transferTimeout_ms, `${this.device} transfer`);
      } catch (error) {
        this.counts.i2cErrors++;
        if ((error as { code?: string }).code === 'ETIMEDOUT') {
          // The stalled transfer may still finish into these buffers: take fresh ones.
          this.readBuffer = Buffer.alloc(2);
          this.writeBuffer = Buffer.alloc(3);
          this.pointerBuffer = Buffer.from([ADS_POINTER.conversion]);
        }
        if (attempt >= c.retries) {
          this.reportError(error as Error);
          throw error;
        }
        this.counts.retries++;
      }
    }
  }

  private reportError(error: Error): void {
    const t_s = this.nextIndex / this.fs_Hz;
    if (t_s - this.lastErrorEvent_s < EVENT_INTERVAL_S) {
      this.suppressedErrors++;
      return;
    }
    const more = this.suppressedErrors > 0 ? ` (and ${this.suppressedErrors} more since the last report)` : '';
    this.suppressedErrors = 0;
    this.lastErrorEvent_s = t_s;
    this.o.onEvent({ t_s, kind: 'driver', device: this.device, reason: `I2C transfer failed after ${this.o.config.retries} retries: ${error.message}; its sample is a gap${more}` });
  }

  private note(reason: string): void {
    this.o.onEvent({ t_s: this.nextIndex / this.fs_Hz, kind: 'driver', device: this.device, reason });
  }

  private async writeRegister(pointer: number, value: number): Promise<void> {
    const b = this.writeBuffer;
    b[0] = pointer;
    b.writeUInt16BE(value & 0xffff, 1);
    await this.o.bus.i2cWrite(this.o.config.address, 3, b);
  }

  private async setPointer(pointer: number): Promise<void> {
    this.pointerBuffer[0] = pointer;
    await this.o.bus.i2cWrite(this.o.config.address, 1, this.pointerBuffer);
  }

  private async readRegister(pointer: number): Promise<number> {
    await this.setPointer(pointer);
    await this.o.bus.i2cRead(this.o.config.address, 2, this.readBuffer);
    return this.readBuffer.readUInt16BE(0);
  }
}
