// Tests see the same TF.js environment as the CLI: ibc reports its own backend line,
// so TF.js's "install tfjs-node" console banner (printed once per worker) is silenced.
import * as tf from '@tensorflow/tfjs-core';

tf.env().set('PROD', true);

// Folder data sets are cached under the user's cache folder by default: tests keep theirs in a
// temporary folder of their own (child processes, e.g. ibc train in the CLI tests, inherit it).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.IBC_CACHE_DIR ??= mkdtempSync(join(tmpdir(), 'ibc-test-cache-'));
