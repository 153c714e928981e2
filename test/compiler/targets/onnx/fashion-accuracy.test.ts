/**
 * A real Fashion-MNIST model, trained briefly by `ibc train` (2000 training
 * images, one epoch, on ibc's native backend; 500 images on TF.js's CPU
 * backend when the native addon is not built, which trains at ~6 images/s),
 * exported with `ibc compile --weights`,
 * scores the same test accuracy in onnxruntime-node as in TF.js on the same
 * 1000 test images, with logits within 1e-4 of the reference interpreter on
 * every image and of TF.js on every image whose quantized attention map is
 * the same in both (the quantizer is discontinuous: a map value within float
 * rounding of an anchor boundary may round to the other anchor in TF.js,
 * which then changes that image's logits by more; such images are counted). Both sides use the deterministic
 * attention mean (samples 0), which is what the ONNX graph computes; the
 * spec's sampled evaluation (eval samples 4) is not comparable to a graph
 * without sampling (the test spec therefore sets eval samples 0 and no
 * validation split, which also keeps training's own evaluation short).
 * Skipped with a printed reason when Debian's Fashion-MNIST files are not
 * installed.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../../../src/cli/command.js';
import { main } from '../../../../src/cli/main.js';
import { specHash } from '../../../../src/compiler/spec/serialize.js';
import { disposeForward } from '../../../../src/runtime/engine/executor/tfjs-model.js';
import { evaluationBatches } from '../../../../src/runtime/data/index.js';
import { loadRunData, modelFromState, openRun } from '../../../../src/runtime/runs/open-run.js';
import { runReference } from '../../../../src/compiler/reference/interpret.js';
import { loadAddon } from '../../../../src/runtime/engine/backends/native/addon.js';
import { useCpuBackend } from '../../../fixtures/onnx.js';

const SPEC = resolve(__dirname, '../../../../specs/fashion-small-aib-qt.ibspec');
const DATA = '/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz';
const present = existsSync(DATA);
if (!present) console.log(`skipping the Fashion-MNIST accuracy test: ${DATA} is not installed (Debian package dataset-fashion-mnist)`);

async function ibc(cwd: string, ...argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (out += t), isTTY: false, cwd };
  return { code: await main(argv, io), out };
}

function argmax(row: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (row[offset + k]! > row[offset + best]!) best = k;
  return best;
}

beforeAll(useCpuBackend);

describe('a trained Fashion-MNIST model in onnxruntime-node', () => {
  it.skipIf(!present)('scores the same test accuracy as in TF.js, logits within 1e-4', async () => {
    const work = mkdtempSync(join(tmpdir(), 'ibc-fashion-onnx-'));
    const run = join(work, 'run');
    const spec = join(work, 'fashion.ibspec');
    writeFileSync(
      spec,
      `extends ${JSON.stringify(SPEC)}\nname fashion-onnx-accuracy\nmodel {\n  attention {\n    samples train=1 eval=0\n  }\n}\ndata idx {\n  validation 0\n}\n`,
    );
    const native = loadAddon().ok;
    const train = native ? ['--limit-train', '2000', '--backend', 'ibc-native'] : ['--limit-train', '500', '--backend', 'cpu'];
    if (!native) console.log('the native backend is not built: training on 500 images with the TF.js CPU backend');
    const trained = await ibc(work, 'train', spec, '--out', run, '--epochs', '1', '--limit-test', '1000', '--attention', '0', ...train);
    expect(trained.code, trained.out).toBe(0);
    console.log(trained.out.trim().split('\n').filter((l) => l.includes('test top1')).pop());
    const compiled = await ibc(work, 'compile', spec, '--target', 'onnx', '--out', 'fashion.onnx', '--weights', run);
    expect(compiled.code, compiled.out).toBe(0);

    // The TF.js side runs on the deterministic JavaScript CPU backend, as --verify does.
    await useCpuBackend();
    const opened = openRun(run, 'last', specHash);
    const data = await loadRunData(opened, 1000);
    expect(data.test.count).toBe(1000);
    const model = modelFromState(opened);
    const session = await ort.InferenceSession.create(readFileSync(join(work, 'fashion.onnx')));
    const classes = opened.ir.classes;
    const [h, w, c] = opened.spec.model.input;
    const mapSize = opened.ir.nodes.find((n) => n.id === opened.ir.taps.attentionQuantized)!.shape.reduce((a, b) => a * b, 1);
    let correctTfjs = 0;
    let correctOnnx = 0;
    let maxAbsReference = 0;
    let maxAbsTfjs = 0;
    let flipped = 0;
    try {
      for await (const batch of evaluationBatches(data.test, { batchSize: 250, normalize: opened.spec.data.normalize, input: opened.spec.model.input })) {
        const input = tf.tensor4d(batch.images, [batch.count, h, w, c]);
        const outputs = model.forward(input, { training: false, samples: 0 });
        const want = (outputs.logits.dataSync() as Float32Array).slice();
        const wantMap = (outputs.taps.attentionQuantized!.dataSync() as Float32Array).slice();
        disposeForward(outputs);
        input.dispose();
        const result = await session.run({ image: new ort.Tensor('float32', batch.images, [batch.count, h, w, c]) });
        const got = result['logits']!.data as Float32Array;
        const gotMap = result['attention_quantized']!.data as Float32Array;
        const reference = runReference(opened.ir, opened.state.weights, batch.images, batch.count, { training: false, samples: 0 }).logits;
        for (let i = 0; i < batch.count; i++) {
          if (argmax(want, i * classes, classes) === batch.labels[i]) correctTfjs++;
          if (argmax(got, i * classes, classes) === batch.labels[i]) correctOnnx++;
          let sameMap = true;
          for (let j = i * mapSize; j < (i + 1) * mapSize; j++) if (wantMap[j] !== gotMap[j]) sameMap = false;
          if (!sameMap) flipped++;
          for (let k = i * classes; k < (i + 1) * classes; k++) {
            maxAbsReference = Math.max(maxAbsReference, Math.abs(got[k]! - reference[k]!));
            if (sameMap) maxAbsTfjs = Math.max(maxAbsTfjs, Math.abs(got[k]! - want[k]!));
          }
        }
      }
    } finally {
      model.dispose();
      await session.release();
    }
    console.log(
      `Fashion-MNIST (1000 test images, 1 epoch): TF.js ${correctTfjs / 10}%, onnxruntime ${correctOnnx / 10}%; ` +
        `max abs logits error vs the reference interpreter ${maxAbsReference.toExponential(2)}, vs TF.js ${maxAbsTfjs.toExponential(2)} ` +
        `(${flipped} image(s) where a map value within float rounding of an anchor boundary quantized differently in TF.js)`,
    );
    // Trained for real: well above chance (10%).
    expect(correctTfjs).toBeGreaterThan(300);
    expect(correctOnnx).toBe(correctTfjs);
    expect(maxAbsReference).toBeLessThanOrEqual(1e-4);
    expect(maxAbsTfjs).toBeLessThanOrEqual(1e-4);
    // Quantization is discontinuous: a 1e-7 difference in a map value on a boundary picks the other anchor.
    expect(flipped).toBeLessThanOrEqual(10);
  }, 300_000);
});
