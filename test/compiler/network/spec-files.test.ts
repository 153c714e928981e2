/** Every reference spec in specs/ loads, builds into verified IR, and has the parameter counts PyTorch computed. */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSpec } from '../../../src/compiler/spec/load-spec.js';
import { nodeFileSystem } from '../../../src/host/file-system.js';
import { buildModel } from '../../../src/compiler/network/build-model.js';
import { verifyIR } from '../../../src/compiler/ir/verify.js';
import { countParams } from '../../fixtures/count-params.js';

const specsDir = fileURLToPath(new URL('../../../specs/', import.meta.url));
const expected = JSON.parse(readFileSync(new URL('../../fixtures/param-counts.json', import.meta.url), 'utf8')) as Record<string, { params: number; buffers: number }>;

const REFERENCE_SPECS = [
  'cifar10-vgg16-aib',
  'cifar10-vgg16-aib-qt',
  'cifar100-vgg16-aib',
  'cifar100-vgg16-aib-qt',
  'cifar10-wrn28-10-aib',
  'cifar10-wrn28-10-aib-qt',
  'cifar100-wrn28-10-aib',
  'cifar100-wrn28-10-aib-qt',
  'cub-vgg16-aib',
  'cub-vgg16-aib-qt',
  'cub-wrn50-2-aib',
  'cub-wrn50-2-aib-qt',
  'fashion-small-baseline',
  'fashion-small-aib',
  'fashion-small-aib-qt',
  'cluttered-fashion-baseline',
  'cluttered-fashion-aib',
  'cluttered-fashion-aib-qt',
];

function load(name: string) {
  const r = loadSpec(join(specsDir, `${name}.ibspec`), nodeFileSystem);
  expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return r.value!;
}

describe('specs/*.ibspec', () => {
  it('holds exactly the 18 reference specs at the top level', () => {
    const files = readdirSync(specsDir).filter((f) => f.endsWith('.ibspec')).map((f) => f.replace(/\.ibspec$/, ''));
    expect(files.sort()).toEqual([...REFERENCE_SPECS].sort());
  });

  for (const name of REFERENCE_SPECS) {
    it(`${name} loads, builds, verifies and has PyTorch's parameter count`, () => {
      const spec = load(name);
      expect(spec.name).toBe(name);
      const built = buildModel(spec);
      expect(built.diagnostics).toEqual([]);
      expect(verifyIR(built.value!)).toEqual([]);
      expect(countParams(built.value!)).toEqual(expected[name]);
    });
  }

  it('carry the reference settings', () => {
    const vggQt = load('cifar10-vgg16-aib-qt');
    expect(vggQt.train.warmup?.lrs).toEqual([0.001, 0.01]);
    expect(vggQt.train.schedule).toEqual({ kind: 'step', every: 25, gamma: 0.5 });
    expect(vggQt.model.attention?.klScale).toBe(0.5);
    expect(vggQt.model.attention?.quantize?.anchors).toBe(20);
    expect(load('cifar10-vgg16-aib').train.warmup?.lrs).toEqual([0.01]);
    expect(load('cifar100-vgg16-aib-qt').model.attention?.quantize?.anchors).toBe(50);
    const wrnQt = load('cifar10-wrn28-10-aib-qt');
    expect(wrnQt.train.schedule).toEqual({ kind: 'multistep', milestones: [60, 120, 160], gamma: 0.2 });
    expect(wrnQt.model.attention?.quantize).toMatchObject({ anchors: 50, lrScale: 1e-4 });
    expect(load('cifar100-wrn28-10-aib-qt').model.attention?.quantize?.anchors).toBe(20);
    const cub = load('cub-wrn50-2-aib-qt');
    expect(cub.train.optimizer).toMatchObject({ kind: 'adam', lr: 1e-4, beta1: 0.5, beta2: 0.999 });
    expect(cub.train.ema).toBe(0.999);
    expect(cub.model.attention?.samples).toEqual({ train: 1, eval: 12 });
    expect(cub.model.attention?.quantize?.trainable).toBe(false);
    const fashion = load('fashion-small-aib');
    expect(fashion.data).toMatchObject({ kind: 'idx', validation: 0.1, normalize: { mean: [0.286], std: [0.353] } });
    expect(load('fashion-small-baseline').model.attention).toBeUndefined();
  });
});
