import { butterworthSos, type ButterworthKind } from './butterworth.js';
import { notchSos } from './notch.js';
import { type SosCoefficients, concatSos } from './sos.js';

/** One stage of the pre-processing chain, as the config declares it. */
export type FilterStage =
  | { readonly type: 'lowpass' | 'highpass'; readonly order: number; readonly cutoff_Hz: number }
  | { readonly type: 'bandpass' | 'bandstop'; readonly order: number; readonly lo_Hz: number; readonly hi_Hz: number }
  | { readonly type: 'notch'; readonly freq_Hz: number; readonly Q: number };

/** Designs every stage once and joins them into one cascade, in the order given. */
export function designFilterChain(stages: readonly FilterStage[], fs_Hz: number): SosCoefficients {
  return concatSos(
    stages.map((stage) => {
      if (stage.type === 'notch') return notchSos(stage.freq_Hz, stage.Q, fs_Hz);
      const kind: ButterworthKind = stage.type;
      const cutoff_Hz: number | [number, number] = 'cutoff_Hz' in stage ? stage.cutoff_Hz : [stage.lo_Hz, stage.hi_Hz];
      return butterworthSos({ kind, order: stage.order, cutoff_Hz, fs_Hz });
    }),
  );
}
