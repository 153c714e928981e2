/**
 * Initial parameter values for a model IR. Every parameter draws from its own
 * stream derived from the run seed by its name, so adding or removing a layer
 * does not change any other parameter's initial values.
 */
import type { Initializer, ModelIR, ParamSpec } from '../../compiler/ir/ir.js';
import { Random } from '../../support/random.js';

export function initParams(ir: ModelIR, seed: number): Map<string, Float32Array> {
  const root = initRoot(seed);
  const out = new Map<string, Float32Array>();
  for (const p of ir.params) out.set(p.name, initParam(p, root));
  return out;
}

/** initParams written into arrays the caller owns (`into(name)`, each of the parameter's size), allocating nothing. */
export function initParamsInto(ir: ModelIR, seed: number, into: (name: string) => Float32Array): void {
  const root = initRoot(seed);
  for (const p of ir.params) initParam(p, root, into(p.name));
}

function initRoot(seed: number): Random {
  return Random.fromSeed(seed).derive('init');
}

/** One parameter's initial values, into `values` (zeros of the parameter's size) or a new array. */
export function initParam(p: ParamSpec, root: Random, values: Float32Array = new Float32Array(p.shape.reduce((a, d) => a * d, 1))): Float32Array {
  const size = values.length;
  const init: Initializer = p.init;
  switch (init.kind) {
    case 'zeros':
      return values.fill(0);
    case 'ones':
      return values.fill(1);
    case 'constant':
      return values.fill(init.value);
    case 'xavierUniform': {
      const bound = init.gain * Math.sqrt(6 / (p.fanIn + p.fanOut));
      return root.derive(p.name).fillUniform(values, -bound, bound);
    }
    case 'normal':
      return root.derive(p.name).fillNormal(values, 0, init.std);
    case 'uniform': {
      const rng = init.seed === undefined ? root.derive(p.name) : Random.fromSeed(init.seed).derive(p.name);
      return rng.fillUniform(values, init.low, init.high);
    }
    case 'linspace':
      for (let i = 0; i < size; i++) values[i] = size === 1 ? init.low : init.low + ((init.high - init.low) * i) / (size - 1);
      return values;
    case 'torchDefault': {
      const bound = 1 / Math.sqrt(Math.max(p.fanIn, 1));
      return root.derive(p.name).fillUniform(values, -bound, bound);
    }
  }
}
