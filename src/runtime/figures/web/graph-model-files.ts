/**
 * Writes a GraphModel export (src/compiler/targets/tfjs) as the folder
 * tf.loadGraphModel reads: model.json and its weight shards. All files are
 * written before any is renamed into place, model.json last, so a reader
 * never sees a model.json whose weights are incomplete, and a failed write
 * leaves nothing behind.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_JSON, type GraphModelExport } from '../../../compiler/targets/tfjs/export.js';
import { writeFilesAtomic } from '../../../host/atomic-write.js';
import { runError, reasonOf } from '../../../support/errors.js';

export function writeGraphModelFolder(dir: string, exp: GraphModelExport): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw runError('outputWriteFailed', { path: dir, reason: reasonOf(error) });
  }
  // All or nothing: a failure part-way leaves no temporaries and no model.json naming shards that were never written.
  writeFilesAtomic([
    ...exp.shards.map((shard) => ({ path: join(dir, shard.path), chunks: [shard.bytes] })),
    { path: join(dir, MODEL_JSON), chunks: [new TextEncoder().encode(JSON.stringify(exp.modelJson) + '\n')] },
  ]);
}

/** The whole model as one script for pages opened from file:// (where fetch is refused): `window.IBC_EMBEDDED_MODEL`. */
export function embeddedModelScript(exp: GraphModelExport): string {
  const total = exp.shards.reduce((n, s) => n + s.bytes.length, 0);
  const weights = new Uint8Array(total);
  let offset = 0;
  for (const s of exp.shards) {
    weights.set(s.bytes, offset);
    offset += s.bytes.length;
  }
  return `// The GraphModel of model.json with its weights (base64), for file:// pages.\nwindow.IBC_EMBEDDED_MODEL = ${JSON.stringify({
    modelJson: exp.modelJson,
    weights: Buffer.from(weights.buffer, weights.byteOffset, weights.byteLength).toString('base64'),
  })};\n`;
}
