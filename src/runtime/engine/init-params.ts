/**
 * Initial parameter values for a model IR. Every parameter draws from its own
 * stream derived from the run seed by its name, so adding or removing a layer
 * does not change any other parameter's initial values.
 */
import type { Initializer, ModelIR, ParamSpec } from '../../compiler/ir/ir.js';
import { Random } from '../../support/random.js';

/**
 * `pretrained` (a spec's weights="...", loaded by pretrained-trunk.ts) gives the
 * parameters it holds their values; every other parameter is drawn as usual, from
 * its own stream, so the random parts are the same with or without a trunk.
 */
export function initParams(ir: ModelIR, seed: number, pretrained?: ReadonlyMap<string, Float32Array>): Map<string, Float32Array> {
  const root = initRoot(seed);
  const out = new Map<string, Float32Array>();
  for (const p of ir.params) {
    const given = pretrained?.get(p.name);
    out.set(p.name, given ? copyOf(p, given) : initParam(p, root));
  }
  return out;
}

/** initParams written into arrays the caller owns (`into(name)`, each of the parameter's size), allocating nothing. */
export function initParamsInto(ir: ModelIR, seed: number, into: (name: string) => Float32Array, pretrained?: ReadonlyMap<string, Float32Array>): void {
  const root = initRoot(seed);
  for (const p of ir.params) {
    const given = pretrained?.get(p.name);
    if (given) into(p.name).set(copyOf(p, given));
    else initParam(p, root, into(p.name));
  }
}

/** A pretrained value, checked against the parameter (the plan matched shapes; a mismatch here is a bug). */
function copyOf(p: ParamSpec, values: Float32Array): Float32Array {
  const size = p.shape.reduce((a, d) => a * d, 1);
  if (values.length !== size) throw new Error(`bug: pretrained '${p.name}' has ${values.length} values, the parameter ${size}`);
  return Float32Array.from(values);
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
