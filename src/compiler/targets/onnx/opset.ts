/**
 * Opset capabilities: which ONNX opsets the exporter can write, and what each
 * IR op needs at each of them.
 *
 * DEFAULT_OPSET is 17 (IR version 8), the opset torch.onnx defaults to (its
 * policy: the newest opset of about 18 months earlier): widely supported by
 * older onnxruntime builds, TensorRT, OpenVINO and Debian's onnx 1.12 checker,
 * which reject newer IR versions. The shipped models need only 13.
 *
 * MAX_OPSET is the newest opset the bundled onnxruntime-node (1.30) runs,
 * selectable with --opset or export.opset. How it was determined: ORT 1.30 refuses a model stamped opset 27
 * ("ValidateOpsetForDomain ... only guarantees support for ...") and accepts
 * 26 without the "under development" warning it prints for unreleased opsets;
 * ops first registered at 26 (CumProd-26) load; and test/onnx/opsets.test.ts
 * exports a model using every lowering at every opset 13..26 and runs it in
 * onnxruntime-node against the reference interpreter. Update it together with
 * onnxruntime-node.
 */
import type { Op } from '../../ir/ir.js';

export const MIN_OPSET = 13;
export const DEFAULT_OPSET = 17;
export const MAX_OPSET = 26;

/**
 * The ONNX IR version that goes with an opset (onnx's own release table:
 * 1.8 → opset 13/IR 7, 1.10 → 15/8, 1.14 → 19/9, 1.16 → 21/10, 1.18 → 23/11,
 * 1.19 → 24/12, and IR 12 since). Stamping the matching IR version keeps
 * readers that check the pair (the onnx checker) honest.
 */
export function irVersionFor(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  if (opset <= 23) return 11;
  return 12;
}

/** The opset in which each ONNX operator the lowerings emit first exists in the form they use. */
export const ONNX_OP_SINCE = {
  Abs: 13,
  Add: 13,
  ArgMin: 13,
  AveragePool: 11, // explicit pads + count_include_pad
  BatchNormalization: 9,
  Concat: 13,
  Conv: 11,
  Elu: 6,
  Erf: 13,
  Flatten: 13,
  Gather: 13,
  Gelu: 20,
  Gemm: 13,
  GlobalAveragePool: 1,
  Identity: 13,
  LeakyRelu: 6,
  MaxPool: 12,
  Mul: 13,
  ReduceMean: 13,
  Relu: 6,
  Reshape: 13,
  Resize: 13, // roi optional, nearest_mode floor
  Shape: 13,
  Sigmoid: 13,
  Slice: 13,
  Softplus: 1,
  Sub: 13,
  Tanh: 13,
  Transpose: 13,
} as const;

export type OnnxOpType = keyof typeof ONNX_OP_SINCE;

/** One row per IR op: the ONNX operators its lowering may emit and how the form depends on the opset. */
export interface OpCapability {
  readonly emits: readonly OnnxOpType[];
  readonly notes: string;
}

export const OP_CAPABILITIES = {
  Input: { emits: ['Transpose'], notes: 'NHWC input is transposed once to NCHW for the convolution body; none with --layout nchw' },
  Conv2D: { emits: ['Conv'], notes: 'HWIO kernels are stored as OIHW; TF "same" padding is written as explicit (possibly asymmetric) pads' },
  BatchNorm: { emits: ['BatchNormalization'], notes: 'eval mode with the moving statistics; one node per spec layer, not folded' },
  Activation: { emits: ['Relu', 'Sigmoid', 'Tanh', 'LeakyRelu', 'Elu', 'Softplus', 'Gelu', 'Erf', 'Mul', 'Add'], notes: 'gelu (exact, erf form) is the Gelu op from opset 20, else 0.5*x*(1+erf(x/sqrt 2))' },
  ShiftedSoftplus: { emits: ['Add', 'Softplus'], notes: 'softplus(x + shift)' },
  MaxPool: { emits: ['MaxPool'], notes: 'explicit pads' },
  AvgPool: { emits: ['AveragePool'], notes: 'explicit pads, count_include_pad=0 (padded cells excluded, TF semantics)' },
  GlobalAvgPool: { emits: ['GlobalAveragePool', 'Flatten'], notes: '[N,C,1,1] flattened to [N,C]' },
  AdaptiveAvgPool: { emits: ['AveragePool', 'Slice', 'ReduceMean', 'Concat'], notes: 'AveragePool when the sizes divide; else per-bin row then column slices with ReduceMean (axes attribute before opset 18, input from 18)' },
  Dropout: { emits: [], notes: 'identity at inference: no node' },
  Add: { emits: ['Add'], notes: '' },
  Flatten: { emits: ['Transpose', 'Flatten'], notes: 'maps are transposed back to NHWC first so the element order is the IR\'s (h, w, c)' },
  Dense: { emits: ['Gemm'], notes: 'kernel [in, out] used as Gemm B' },
  Slice: { emits: ['Slice'], notes: 'along the channel axis' },
  Sample: { emits: [], notes: 'deterministic mean: the mean input, no node' },
  Quantize: { emits: ['Reshape', 'Sub', 'Abs', 'ArgMin', 'Gather', 'Shape'], notes: 'nearest anchor: ArgMin over |a - anchors| on [N*h*w, 1] vs [Q], then Gather; ties go to the first anchor' },
  ResizeNearest: { emits: ['Resize', 'Gather', 'Shape', 'Slice', 'Concat'], notes: 'Resize with output sizes [N, C, oh, ow] (N, C from Shape) (mode nearest, coordinate_transformation_mode asymmetric, nearest_mode floor: src = floor(dst * in / out)) where float32 scales reproduce those indices exactly; else Gather of the exact rows and columns' },
  Modulate: { emits: ['Mul', 'Add'], notes: 'f + f * a, a broadcast over channels' },
  SampleMean: { emits: [], notes: 'deterministic mean: identity, no node' },
} as const satisfies Record<Op, OpCapability>;

/** The ONNX operators emitted at `opset` that do not exist there yet (a lowering that could not adapt). */
export function unsupportedAt(opTypes: Iterable<string>, opset: number): string[] {
  const missing = new Set<string>();
  for (const t of opTypes) {
    const since = (ONNX_OP_SINCE as Record<string, number | undefined>)[t];
    if (since === undefined || since > opset) missing.add(t);
  }
  return [...missing].sort();
}
