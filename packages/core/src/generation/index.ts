export { commitModel, modelWeightTensors, publicModelParams, type CommittedModel } from './commit.js';
