export * from './jsonSchema.js';
export * from './load.js';
export * from './problems.js';
export * from './schema.js';
export * from './limitsSchema.js';
export * from './policySchema.js';
export * from './overrides.js';
export * from './telemetrySchema.js';
