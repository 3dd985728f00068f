// The public face of signals/: pure DSP over SampleBlocks, no I/O, no wall clock.
export * from './band.js';
export * from './biomarker.js';
export * from './butterworth.js';
export * from './featureExtractor.js';
export * from './filterChain.js';
export * from './notch.js';
export * from './operators.js';
export * from './realDft.js';
export * from './sampleBlock.js';
export * from './sos.js';
export * from './sosFilter.js';
export * from './welch.js';
export * from './partialSumBandPower.js';
export * from './complexDft.js';
export * from './quantizationGrid.js';
