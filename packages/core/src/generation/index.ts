export { commitModel, modelWeightTensors, type CommittedModel } from './commit.js';
