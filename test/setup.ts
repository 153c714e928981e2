// Tests see the same TF.js environment as the CLI: ibc reports its own backend line,
// so TF.js's "install tfjs-node" console banner (printed once per worker) is silenced.
import * as tf from '@tensorflow/tfjs-core';

tf.env().set('PROD', true);

// Tests that load onnxruntime-node directly (parity fixtures) keep its telemetry off, as ibc itself does
// (src/runtime/engine/onnx/onnxruntime.ts): nothing is written under ~/.cache or $TMPDIR.
process.env['ORT_DISABLE_TELEMETRY'] = '1';
process.env['ORT_TELEMETRY_DISABLED'] = '1';

// Folder data sets are cached under the user's cache folder by default: tests keep theirs in a
// temporary folder of their own (child processes, e.g. ibc train in the CLI tests, inherit it).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.IBC_CACHE_DIR ??= mkdtempSync(join(tmpdir(), 'ibc-test-cache-'));
