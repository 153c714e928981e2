/**
 * Fine-tuning on both training engines, from a compiled spec: a frozen stage's
 * parameters and batch-norm statistics stay exactly as they were after steps
 * (while the stage before it, reached through its frozen batch norm, trains);
 * a learning-rate group moves at its scale of the full step; and the compiled
 * step's backward through a frozen batch norm agrees with the TF.js executor's.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { compileSpec } from '../../../src/compiler/compile.js';
import type { ModelIR, OptimizerIR } from '../../../src/compiler/ir/ir.js';
import { memoryFileSystem } from '../../../src/host/file-system.js';
import { Random } from '../../../src/support/random.js';
import { createTrainingEngine, type StepChoice } from '../../../src/runtime/engine/choose-engine.js';
import type { StepBatch } from '../../../src/runtime/engine/training-engine.js';
import type { NativeAddon } from '../../../src/runtime/engine/backends/native/addon.js';
import { HAVE_NATIVE, nativeAddonForTests, relativeError } from '../../fixtures/native.js';

let kernels: NativeAddon | undefined;
beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.env().set('PROD', true);
  kernels = nativeAddonForTests();
});

const stage = (name: string, pool = '') => `    stage ${name} {\n      conv 4\n      batchnorm\n      relu\n${pool}    }\n`;

/** Three conv-BN-ReLU stages (the second pooled: its ReLU's mask comes from the pool) and the default classifier; `backbone` options and `train` lines added. */
function compileIr(backboneOptions: string, trainLines = ''): ModelIR {
  const text = `model {\n  input 6x6x2\n  classes 3\n  backbone custom ${backboneOptions}{\n${stage('s1')}${stage('s2', '      maxpool 2\n')}${stage('s3')}  }\n}\ndata synthetic\ntrain {\n${trainLines}}\n`;
  const compiled = compileSpec('/main.ibspec', memoryFileSystem({ '/main.ibspec': text }));
  if (!compiled.value) throw new Error(compiled.diagnostics.map((d) => d.message).join('\n'));
  return compiled.value.ir;
}

const PLAIN_SGD: OptimizerIR = { kind: 'sgd', momentum: 0, nesterov: false, weightDecay: 0 };
const MOMENTUM: OptimizerIR = { kind: 'sgd', momentum: 0.9, nesterov: false, weightDecay: 5e-4 };

/** Random weights, moving statistics away from 0 and 1 so that using them shows. */
function weightsFor(ir: ModelIR, seed: number): Map<string, Float32Array> {
  const rng = Random.fromSeed(seed);
  return new Map(
    ir.params.map((p) => {
      const values = new Float32Array(p.shape.reduce((a, b) => a * b, 1));
      if (p.name.endsWith('moving_variance') || p.name.endsWith('gamma')) rng.fillUniform(values, 0.5, 1.5);
      else rng.fillNormal(values, 0, 0.5);
      return [p.name, values] as const;
    }),
  );
}

function batch(seed: number): StepBatch {
  const rng = Random.fromSeed(seed);
  return { images: rng.fillNormal(new Float32Array(4 * 6 * 6 * 2)), labels: Int32Array.from({ length: 4 }, () => rng.int(3)), count: 4 };
}

const ENGINES: readonly { readonly name: string; readonly choice: () => StepChoice }[] = [
  { name: 'tfjs', choice: () => ({ engine: 'tfjs', reason: 'test' }) },
  ...(HAVE_NATIVE ? [{ name: 'compiled', choice: (): StepChoice => ({ engine: 'compiled', kernels: kernels!, reason: 'test' }) }] : []),
];

/** The weights after `steps` steps at rate 0.1 from `start`. */
async function train(choice: StepChoice, ir: ModelIR, optimizer: OptimizerIR, start: ReadonlyMap<string, Float32Array>, steps: number): Promise<Map<string, Float32Array>> {
  const engine = createTrainingEngine(choice, { model: ir, optimizer }, start);
  try {
    const noise = Random.fromSeed(7);
    for (let i = 0; i < steps; i++) engine.step(batch(20 + i), { lr: 0.1, noise });
    await engine.drain('all');
    return await engine.weights();
  } finally {
    engine.dispose();
  }
}

const changed = (a: Float32Array, b: Float32Array): boolean => a.some((v, i) => v !== b[i]);

describe.each(ENGINES)('fine-tuning on the $name engine', ({ choice }) => {
  it("a frozen stage's parameters and batch-norm statistics do not change; the stage before it trains through it", async () => {
    const ir = compileIr('freeze=[s2] ');
    const start = weightsFor(ir, 1);
    const after = await train(choice(), ir, MOMENTUM, start, 3);
    for (const [name, values] of after) {
      const before = start.get(name)!;
      if (name.startsWith('backbone/s2/')) expect(Array.from(values), name).toEqual(Array.from(before));
      else expect(changed(values, before), `${name} moved`).toBe(true);
    }
  });

  it("a group trains at its scale of the full step (lr_scale backbone=0.25); the rest as before", async () => {
    const full = compileIr('');
    const scaled = compileIr('', '  lr_scale backbone=0.25\n');
    const start = weightsFor(full, 2);
    const [a, b] = [await train(choice(), full, PLAIN_SGD, start, 1), await train(choice(), scaled, PLAIN_SGD, start, 1)];
    let moved = 0;
    for (const p of full.params) {
      const before = start.get(p.name)!;
      const delta = a.get(p.name)!.map((v, i) => v - before[i]!);
      const got = b.get(p.name)!.map((v, i) => v - before[i]!);
      if (p.group === 'buffers' || !p.name.startsWith('backbone/')) {
        expect(Array.from(got), p.name).toEqual(Array.from(delta));
        continue;
      }
      for (let i = 0; i < delta.length; i++) expect(got[i]!, `${p.name}[${i}]`).toBeCloseTo(0.25 * delta[i]!, 6);
      // A convolution's bias before a batch norm has no gradient (up to rounding); every other backbone parameter moves.
      if (delta.some((d) => d !== 0)) moved++;
    }
    expect(moved).toBeGreaterThanOrEqual(9);
  });
});

describe.runIf(HAVE_NATIVE)('the compiled step against the TF.js executor', () => {
  it('train the same through a frozen middle stage (its batch norm on running statistics, backward included)', async () => {
    const ir = compileIr('freeze=[s2] ');
    const start = weightsFor(ir, 3);
    const executor = await train({ engine: 'tfjs', reason: 'test' }, ir, PLAIN_SGD, start, 2);
    const compiled = await train({ engine: 'compiled', kernels: kernels!, reason: 'test' }, ir, PLAIN_SGD, start, 2);
    for (const [name, values] of executor) expect(relativeError(compiled.get(name)!, values), name).toBeLessThan(1e-4);
  });
});
