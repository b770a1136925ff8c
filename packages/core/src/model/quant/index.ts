export * from './field.js';
export * from './trace.js';
export * from './kernels.js';
export * from './softmax.js';
export * from './calibrate.js';
export * from './quantize.js';
export * from './forward.js';
export * from './replay.js';
