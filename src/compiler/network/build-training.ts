/**
 * ResolvedSpec + its ModelIR -> the TrainingIR a training engine runs: the
 * optimizer's hyper-parameters and the weight average as data, so that the
 * engines read the IR, never the spec. (The rate is the training loop's: the
 * schedule gives each step its rate.)
 */
import type { OptimizerIR, ModelIR, TrainingIR } from '../ir/ir.js';
import type { OptimizerSpec, ResolvedSpec } from '../spec/resolved-spec.js';

export function optimizerIR(spec: OptimizerSpec): OptimizerIR {
  switch (spec.kind) {
    case 'sgd':
      return { kind: 'sgd', momentum: spec.momentum, nesterov: spec.nesterov, weightDecay: spec.weightDecay };
    case 'adam':
      return { kind: 'adam', beta1: spec.beta1, beta2: spec.beta2, epsilon: spec.epsilon, weightDecay: spec.weightDecay };
  }
}

export function buildTraining(spec: ResolvedSpec, model: ModelIR): TrainingIR {
  return {
    model,
    optimizer: optimizerIR(spec.train.optimizer),
    ...(spec.train.ema !== undefined ? { weightAverage: { decay: spec.train.ema } } : {}),
  };
}
