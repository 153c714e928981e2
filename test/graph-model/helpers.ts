/**
 * Shared helpers for the GraphModel tests: compiling a spec with seeded
 * weights, writing an export to a folder as `ibc compile --target tfjs` does,
 * and loading that folder with plain TF.js (a file-reading IOHandler built
 * from TF.js's own io helpers, no ibc code), and comparing outputs.
 *
 * Only tfjs-core and tfjs-converter (the parts of @tensorflow/tfjs that
 * GraphModels use) are imported here: the umbrella package also registers
 * tfjs-core's stock gradients, which replace ibc's own in a process that
 * trains (see browser.test.ts).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { compileSpec } from '../../src/compiler/compile.js';
import type { ModelIR } from '../../src/compiler/ir/ir.js';
import type { ResolvedSpec } from '../../src/compiler/spec/resolved-spec.js';
import { MODEL_JSON, type GraphModelExport } from '../../src/compiler/targets/graph-model/export.js';
import { nodeFileSystem } from '../../src/host/file-system.js';

export const SPECS = resolve(__dirname, '../../specs');

export function compileFile(path: string): { spec: ResolvedSpec; ir: ModelIR } {
  const compiled = compileSpec(path, nodeFileSystem, { sources: new Map() });
  if (!compiled.value) throw new Error(`${path}: ${compiled.diagnostics.map((d) => d.message).join('; ')}`);
  return compiled.value;
}

/** Writes model.json and the shards into a fresh temporary folder; returns it. */
export function writeExport(exp: GraphModelExport, dir = mkdtempSync(join(tmpdir(), 'ibc-graph-model-'))): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MODEL_JSON), JSON.stringify(exp.modelJson));
  for (const shard of exp.shards) writeFileSync(join(dir, shard.path), shard.bytes);
  return dir;
}

/** What a TF.js user writes in Node to load a model folder from disk (tfjs-node's file:// does the same). */
export function fileHandler(dir: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs = manifest.flatMap((group) => group.weights);
        const buffers = manifest.flatMap((group) => group.paths.map((p) => {
          const bytes = readFileSync(join(dir, p));
          return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        }));
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

/** Runs a loaded GraphModel on NHWC images; returns every named output. */
export function runGraphModel(model: GraphModel, images: Float32Array, shape: readonly number[], outputs: readonly string[]): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  tf.tidy(() => {
    const result = model.execute({ image: tf.tensor(images, [...shape]) }, [...outputs]);
    const list = Array.isArray(result) ? result : [result];
    outputs.forEach((name, i) => out.set(name, list[i]!.dataSync() as Float32Array));
  });
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
