/**
 * Fuzzing weights files: seeded byte flips, truncations, extensions and u32 rewrites
 * of a torch.save zip and a safetensors file, through openWeights and every
 * tensor's read. Each must give weights or a problem: never an exception, and
 * never an allocation beyond what the file holds (a claimed size is checked first).
 */
import { describe, expect, it } from 'vitest';
import { openWeights } from '../../src/compiler/pretrained/open-weights.js';
import { encodeSafetensors } from '../../src/compiler/pretrained/safetensors.js';
import { memoryFileSystem } from '../../src/host/file-system.js';
import { Random } from '../../src/support/random.js';
import { mutateBytes } from '../fixtures/fuzz.js';
import { floatBytes, statePickle, torchFile } from '../fixtures/torch-files.js';

const CASES = 150;

async function survives(bytes: Uint8Array): Promise<string> {
  const opened = await openWeights('/w', memoryFileSystem({ w: bytes }));
  if ('problem' in opened) return 'problem';
  for (const t of opened.weights.tensors.values()) {
    const read = await t.read();
    if ('values' in read) expect(read.values.length).toBe(t.shape.reduce((a, d) => a * d, 1));
  }
  return 'read';
}

const files: [string, Uint8Array, number][] = [
  [
    'torch.save zip',
    torchFile(
      statePickle([
        { name: 'conv.weight', storage: 'FloatStorage', key: '0', numel: 6, shape: [3, 2] },
        { name: 'bn.running_var', storage: 'HalfStorage', key: '1', numel: 2, shape: [2] },
      ]),
      { '0': floatBytes([1, 2, 3, 4, 5, 6]), '1': new Uint8Array(4) },
    ),
    64,
  ],
  ['safetensors', Buffer.concat(encodeSafetensors(new Map([['a', { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }]]))), 16],
];

describe('weights files under mutation', () => {
  for (const [what, original, header] of files) {
    it(`${what}: ${CASES} seeded mutations each give weights or a problem, never an exception`, async () => {
      const rng = Random.fromSeed(20).derive(what);
      const outcomes = new Map<string, number>();
      for (let i = 0; i < CASES; i++) {
        const mutated = mutateBytes(rng, original, header);
        const outcome = await survives(mutated.bytes).catch((error: unknown) => {
          throw new Error(`${mutated.what}: ${error instanceof Error ? error.stack : String(error)}`);
        });
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }
      expect(outcomes.get('problem')).toBeGreaterThan(0);
    });
  }
});
