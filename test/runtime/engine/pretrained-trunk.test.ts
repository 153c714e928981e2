import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compileSpec } from '../../../src/compiler/compile.js';
import { encodeTorchExport, torchStateDict } from '../../../src/compiler/pretrained/export.js';
import { memoryFileSystem } from '../../../src/host/file-system.js';
import { initParams } from '../../../src/runtime/engine/init-params.js';
import { loadPretrainedTrunk, requireSameWeights } from '../../../src/runtime/engine/pretrained-trunk.js';
import { RunError } from '../../../src/support/errors.js';

const SPEC = (weights: string) => `model {\n  input 8x8x3\n  classes 3\n  backbone wrn depth=10 widen=1 dropout=0${weights}\n}\ndata synthetic\n`;

function trunkFile(): Uint8Array {
  const c = compileSpec('/a.ibspec', memoryFileSystem({ 'a.ibspec': SPEC('') })).value!;
  return Buffer.concat(encodeTorchExport(torchStateDict(c.ir, c.spec.model.backbone, initParams(c.ir, 5)), { specName: 'a', specHash: 'h' }));
}

function runErrorOf(f: () => unknown): RunError {
  try {
    f();
  } catch (error) {
    if (error instanceof RunError) return error;
    throw error;
  }
  throw new Error('no RunError');
}

describe('the pretrained trunk of a run', () => {
  const bytes = trunkFile();
  const fs = memoryFileSystem({ 's.ibspec': SPEC(' weights="t.safetensors"'), 't.safetensors': bytes });
  const { spec, ir } = compileSpec('/s.ibspec', fs).value!;

  it("is the file's trunk in ibc's layout, with the file's fingerprint and the check's summary", async () => {
    const trunk = (await loadPretrainedTrunk(spec, ir, fs))!;
    expect(trunk.fingerprint).toEqual({ path: '/t.safetensors', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect([...trunk.weights.keys()].every((k) => k.startsWith('backbone/'))).toBe(true);
    expect(Array.from(trunk.weights.get('backbone/conv1/conv0/kernel')!)).toEqual(Array.from(initParams(ir, 5).get('backbone/conv1/conv0/kernel')!));
    expect(trunk.summary?.code).toBe('IB3407');
  });

  it('stops with the located check error when the file does not fit', async () => {
    const bad = memoryFileSystem({ 's.ibspec': SPEC(' weights="t.safetensors"'), 't.safetensors': new Uint8Array(3) });
    const error = await loadPretrainedTrunk(spec, ir, bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).diagnostic).toMatchObject({ code: 'IB3400', span: spec.model.backbone.weightsOrigin });
    expect(await loadPretrainedTrunk(compileSpec('/a.ibspec', memoryFileSystem({ 'a.ibspec': SPEC('') })).value!.spec, ir, fs)).toBeUndefined();
  });

  it('refuses a resume when the file changed, is gone, or its record is damaged', () => {
    const recorded = { path: '/t.safetensors', size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    expect(() => requireSameWeights(recorded, '/run', fs)).not.toThrow();
    const changed = Uint8Array.from(bytes);
    changed[changed.length - 1] = changed[changed.length - 1]! ^ 1;
    expect(runErrorOf(() => requireSameWeights(recorded, '/run', memoryFileSystem({ 't.safetensors': changed }))).diagnostic.message).toContain('sha256');
    expect(runErrorOf(() => requireSameWeights(recorded, '/run', memoryFileSystem({}))).diagnostic.message).toContain('it cannot be read now (it does not exist)');
    const damaged = { path: 7, size: 'x', sha256: null } as unknown as typeof recorded;
    expect(runErrorOf(() => requireSameWeights(damaged, '/run', fs)).diagnostic.code).toBe('IB6501');
  });
});
