/**
 * Public API of the model engine. Kernels and internals (requant, tables, replay) are
 * importable inside the package from their modules; only stable names are re-exported.
 */
export {
  readSafetensors,
  writeSafetensors,
  SafetensorsError,
  type SafetensorsDtype,
  type SafetensorsFile,
  type SafetensorsInput,
  type SafetensorsTensor,
} from './safetensors.js';
export { parseHfConfig, parameterCount, ModelFormatError, SUPPORTED_ARCHITECTURES, type ModelConfig, type ModelFamily } from './config.js';
export type { ModelWeights, LayerWeights } from './weights.js';
export { loadTokenizer, type TextTokenizer } from './tokenizer.js';
export { readLlama2c, writeLlama2c } from './llama2c.js';
export { loadModel, toHfTensors, type LoadedModel, type LoadOptions } from './load.js';
export { FloatSession, floatLogits, generateFloat, type FloatModel, type GenerateOptions, type ObservePoint, type Observer } from './float.js';
export {
  evaluateAccuracy,
  evaluateTokens,
  quantizeLoaded,
  calibrationSequences,
  defaultEvalText,
  type AccuracyReport,
} from './eval.js';
export { writeFixture, writeHfModelDir, FIXTURES, type FixtureName, type FixtureSpec } from './fixtures.js';
export { bundledModelDir, BUNDLED_MODEL_NAME } from './bundled.js';
export { BABYBEAR_P, FIELD_HALF, FieldBoundError } from './quant/field.js';
export type {
  IntTensor,
  RequantSpec,
  LookupTable as QuantLookupTable,
  SoftmaxParams,
  Trace as QuantTrace,
  TraceOp as QuantTraceOp,
  TraceOpKind as QuantTraceOpKind,
} from './quant/trace.js';
export {
  quantizeModel,
  type QuantizedModel,
  type QuantizeOptions,
  type QuantBounds,
  type QLinear,
  type QNorm,
  type QLayer,
} from './quant/quantize.js';
export {
  QuantSession,
  quantForward,
  generateQuant,
  generateTraced,
  type QuantForwardResult,
  type QuantForwardOptions,
  type TracedGeneration,
} from './quant/forward.js';
export { checkTrace as checkQuantTrace, linearsByName } from './quant/replay.js';
export { softmaxRowSumBound } from './quant/softmax.js';
export { committedTensors, publicQuantParams, type CommittedTensor } from './quant/params.js';
