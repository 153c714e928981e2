// Tests see the same TF.js environment as the CLI: ibc reports its own backend line,
// so TF.js's "install tfjs-node" console banner (printed once per worker) is silenced.
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

tf.env().set('PROD', true);

// Tests that load onnxruntime-node directly (parity fixtures) keep its telemetry off, as ibc itself does
// (src/runtime/engine/onnx/onnxruntime.ts): nothing is written under ~/.cache or $TMPDIR.
process.env['ORT_DISABLE_TELEMETRY'] = '1';
process.env['ORT_TELEMETRY_DISABLED'] = '1';

// `ibc bench` caches the machine's measured peak under $XDG_CACHE_HOME/ibc (jobs/bench/peak.ts):
// tests, and the CLI processes they start, keep theirs in a temporary folder, never in the
// user's home.
process.env['XDG_CACHE_HOME'] = mkdtempSync(join(tmpdir(), 'ibc-test-cache-'));

// Folder data sets are cached under the user's cache folder by default: tests keep theirs in a
// temporary folder of their own (child processes, e.g. ibc train in the CLI tests, inherit it).
process.env.IBC_CACHE_DIR ??= mkdtempSync(join(tmpdir(), 'ibc-test-cache-'));
