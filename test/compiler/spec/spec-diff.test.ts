/** compiler/spec/spec-diff.ts: which keys of two resolved specs differ, and whether each changes the model. */
import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { loadSpec } from '../../../src/compiler/spec/load-spec.js';
import { changesModel, describeDifferences, diffSpecs } from '../../../src/compiler/spec/spec-diff.js';
import { nodeFileSystem } from '../../../src/host/file-system.js';

const SPECS = resolve(__dirname, '../../../specs/test');
const load = (name: string) => loadSpec(join(SPECS, name), nodeFileSystem).value!;

describe('diffSpecs', () => {
  it('is empty for the same spec, source spans aside', () => {
    expect(diffSpecs(load('tiny-aib-qt.ibspec'), load('tiny-aib-qt.ibspec'))).toEqual([]);
  });

  it('names each differing key, one entry for a changed kind, and whether it changes the model', () => {
    const differences = diffSpecs(load('tiny-aib-qt.ibspec'), load('tiny-sgd-ema.ibspec'));
    const byPath = new Map(differences.map((d) => [d.path, d]));
    expect(byPath.get('model.attention.samples.eval')).toEqual({ path: 'model.attention.samples.eval', before: '0', after: '2', changesModel: true });
    expect(byPath.get('train.optimizer')).toEqual({ path: 'train.optimizer', before: '"adam"', after: '"sgd"', changesModel: false });
    expect(byPath.get('train.epochs')).toMatchObject({ before: '3', after: '2', changesModel: false });
    expect([...byPath.keys()].some((p) => p.startsWith('train.optimizer.'))).toBe(false);
    expect(describeDifferences(differences, 2)).toMatch(/; and \d+ more$/);
  });

  it('counts the model and the input normalisation as the model', () => {
    expect(changesModel('model.backbone.stages[0].layers[1].filters')).toBe(true);
    expect(changesModel('data.normalize.mean')).toBe(true);
    expect(changesModel('data.validation')).toBe(false);
    expect(changesModel('export.opset')).toBe(false);
  });
});
