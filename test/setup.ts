// Tests see the same TF.js environment as the CLI: ibc reports its own backend line,
// so TF.js's "install tfjs-node" console banner (printed once per worker) is silenced.
import * as tf from '@tensorflow/tfjs-core';

tf.env().set('PROD', true);
