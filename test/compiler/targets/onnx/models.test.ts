/**
 * The reference specs (specs/*.ibspec) exported to ONNX, loaded in
 * onnxruntime-node and compared with the TF.js model on the same weights and
 * seeded inputs at batch 1 and 3 (logits within 1e-4; attention maps too).
 * Weights: seeded He-scale values with batch-norm statistics calibrated on a
 * batch (helpers.ts calibrateBatchNorm), so activations have a trained
 * model's scale.
 *
 * Sizes: the Fashion-MNIST specs run as shipped. Big backbones run on small
 * inputs (the architecture is kept; only model.input shrinks and the map-size
 * check is dropped): CUB VGG-16 at 32x32, CUB WRN-50-2 at 64x64. What runs by default is sized for CI on two
 * cores (TF.js on its CPU backend is the slow side): the three Fashion specs,
 * both CUB VGG-16 specs (VGG-16 without batch norm; the CIFAR VGG-16-bn specs
 * add only batch-norm layers, which the Fashion specs cover, but take over two
 * minutes each in TF.js), and a representative reduced Wide ResNet (WRN-10-10
 * at 8x8: the same pre-activation blocks, widths (160/320/640) and attention
 * head as WRN-28-10, one block per group instead of four). Set
 * IBC_SLOW_TESTS=1 to run every shipped spec (all 18 at the top of specs/, WRN-28-10 and WRN-50-2
 * included), which takes tens of minutes; IBC_ONNX_SPECS=a.ibspec,b.ibspec
 * picks some of them.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileResolved, compileSpec } from '../../../../src/compiler/compile.js';
import type { ModelIR } from '../../../../src/compiler/ir/ir.js';
import type { ResolvedSpec } from '../../../../src/compiler/spec/resolved-spec.js';
import { exportOnnx } from '../../../../src/compiler/targets/onnx/export.js';
import { verifyOnnx } from '../../../../src/runtime/engine/onnx/verify.js';
import { nodeFileSystem } from '../../../../src/host/file-system.js';
import { calibrateBatchNorm, randomImages, scaledWeights, useCpuBackend } from '../../../fixtures/onnx.js';
import { withoutMapSize } from '../../../fixtures/resolved-spec.js';

const SPECS = resolve(__dirname, '../../../../specs');
const SLOW = process.env['IBC_SLOW_TESTS'] === '1';
/** IBC_ONNX_SPECS=a.ibspec,b.ibspec: only these (with IBC_SLOW_TESTS=1: from every shipped spec). */
const ONLY = process.env['IBC_ONNX_SPECS']?.split(',').map((s) => s.trim()).filter((s) => s !== '');

interface ModelCase {
  readonly file: string;
  /** Replaces model.input (the map-size check is dropped with it). */
  readonly input?: readonly [number, number, number];
  readonly edit?: (spec: ResolvedSpec) => ResolvedSpec;
  readonly label?: string;
  /** Max abs logits error; default 1e-4. */
  readonly tolerance?: number;
}

const DEFAULT_CASES: readonly ModelCase[] = [
  { file: 'fashion-small-baseline.ibspec' },
  { file: 'fashion-small-aib.ibspec' },
  { file: 'fashion-small-aib-qt.ibspec' },
  { file: 'cub-vgg16-aib.ibspec', input: [32, 32, 3] },
  { file: 'cub-vgg16-aib-qt.ibspec', input: [32, 32, 3] },
  {
    file: 'cifar10-wrn28-10-aib-qt.ibspec',
    input: [8, 8, 3],
    label: 'cifar10-wrn28-10-aib-qt reduced to WRN-10-10 at 8x8',
    edit: (spec) => {
      const backbone = spec.model.backbone;
      if (backbone.kind !== 'wrn') throw new Error('expected a wrn backbone');
      return { ...spec, model: { ...spec.model, backbone: { ...backbone, depth: 10 } } };
    },
  },
];

const SLOW_CASES: readonly ModelCase[] = readdirSync(SPECS)
  .filter((f) => f.endsWith('.ibspec'))
  .sort()
  .map((file): ModelCase => {
    // WRN-50-2 (50 layers) on tiny inputs has batch norms over a handful of values per channel: the
    // model is ill-conditioned and every float32 implementation (onnxruntime, TF.js, the reference)
    // differs from the others by ~3e-4 at 64x64 (onnxruntime is the closest to the reference). It is
    // held to 1e-3, the bound the PyTorch and tf2onnx exporters use for deep ResNets.
    if (file.startsWith('cub-wrn50-2')) return { file, input: [64, 64, 3], tolerance: 1e-3 };
    return file.startsWith('cub-') ? { file, input: [32, 32, 3] } : { file };
  });

function load(c: ModelCase): { spec: ResolvedSpec; ir: ModelIR } {
  const loaded = compileSpec(join(SPECS, c.file), nodeFileSystem);
  expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  let spec = loaded.value!.spec;
  if (c.input) {
    const attention = spec.model.attention;
    spec = {
      ...spec,
      model: { ...spec.model, input: c.input, ...(attention ? { attention: withoutMapSize(attention) } : {}) },
    };
  }
  if (c.edit) spec = c.edit(spec);
  if (!c.input && !c.edit) return loaded.value!;
  const built = compileResolved(spec);
  expect(built.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return built.value!;
}

beforeAll(useCpuBackend);

describe('reference specs: onnxruntime-node matches TF.js at batch 1 and 3', () => {
  for (const c of (SLOW ? SLOW_CASES : DEFAULT_CASES).filter((c) => !ONLY || ONLY.includes(c.file))) {
    it(c.label ?? c.file, async () => {
      const { spec, ir } = load(c);
      const calibration = SLOW ? 8 : 4;
      const weights = calibrateBatchNorm(ir, scaledWeights(ir, spec.train.seed), randomImages(calibration, ir.inputShape, 99), calibration);
      const tolerance = c.tolerance ?? 1e-4;
      const exported = exportOnnx(ir, weights, { meta: { specName: spec.name, specHash: 'test' } });
      expect(exported.diagnostics).toEqual([]);
      const report = await verifyOnnx(exported.value!.bytes, ir, weights, { batches: [1, 3], seed: 7, tolerance });
      const outputs = new Set(report.errors.map((e) => e.output));
      expect(outputs.has('logits')).toBe(true);
      expect(outputs.has('attention')).toBe(ir.taps.attentionMean !== undefined);
      expect(outputs.has('attention_quantized')).toBe(ir.taps.attentionQuantized !== undefined);
      for (const e of report.errors) {
        // Quantized maps are anchor values: equal unless a map value sits on a decision boundary.
        expect(e.maxAbs, `${e.output} at batch ${e.batch}`).toBeLessThanOrEqual(tolerance);
      }
      expect(report.ok).toBe(true);
      console.log(`${c.label ?? c.file}: max |logits| ${report.logitsScale.toPrecision(3)}; ${report.errors.map((e) => `${e.output}@${e.batch} ${e.maxAbs.toExponential(1)}`).join(", ")}`);
    }, SLOW ? 1_800_000 : 300_000);
  }
});
