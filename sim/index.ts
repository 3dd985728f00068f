export * from './pinkNoise.js';
export * from './seededRandom.js';
export * from './syntheticBrain.js';
export * from './syntheticSource.js';
export * from './simulatedStimulator.js';
