/**
 * Refuses, before anything is allocated, a model that cannot be built or
 * trained here: a tensor too large for one typed array, more memory than this
 * machine has, or a training step of absurd size. Every finding is located at
 * the spec construct responsible and carries the numbers.
 */
import { totalmem } from 'node:os';
import type { Diagnostic, Span } from '../../diagnostics/diagnostic.js';
import { diagnostic } from '../../diagnostics/catalog.js';
import type { ModelIR } from '../ir/ir.js';
import type { ResolvedSpec } from '../spec/resolved-spec.js';
import { estimateResources, type Culprit, type ResourceEstimate } from './estimate.js';

export interface MachineLimits {
  /** Bytes of memory a run may use (the machine's total). */
  readonly memoryBytes: number;
  /**
   * Whether needing more than `memoryBytes` is an error (`ibc train`: the run
   * would fail) or a warning (`ibc check`: the spec may be meant for a bigger machine).
   */
  readonly enforceMemory?: boolean;
}

/** The machine this process runs on. */
export function currentMachine(enforceMemory = false): MachineLimits {
  return { memoryBytes: totalmem(), enforceMemory };
}

/** More memory than this is an error on any machine. */
export const MAX_SANE_BYTES = 2 ** 40;

/** One tensor (a typed array, a TF.js tensor indexed by int32) holds at most this many values. */
export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;
/** Above this many floating-point operations per training step, warn: at 200 GFLOP/s a step takes over 8 minutes. */
export const WARN_FLOPS_PER_STEP = 1e14;
const BYTES_PER_VALUE = 4;
/** A step keeps each activation and its gradient. */
const TRAIN_ACTIVATION_COPIES = 2;

/** 12,345 below a quadrillion, else 1.58e+22: what a reader can take in. */
export function formatCount(n: number): string {
  return n < 1e15 ? Math.round(n).toLocaleString('en-US') : n.toExponential(2);
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (value >= 1e6) return `${bytes.toExponential(2)} bytes`;
  return unit === 0 ? `${Math.round(value)} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}

function at(culprit: Culprit | undefined, fallback: Span | undefined): { span?: Span } {
  const span = culprit?.origin ?? fallback;
  return span ? { span } : {};
}

/** Bytes one training step needs: weights, gradients, optimizer slots and EMA shadows, plus the batch's activations and their gradients. */
export function trainingBytes(spec: ResolvedSpec, estimate: ResourceEstimate): { total: number; params: number; activations: number } {
  const optimizer = spec.train.optimizer;
  const slots = optimizer.kind === 'adam' ? 2 : optimizer.momentum > 0 ? 1 : 0;
  const copies = 2 + slots + (spec.train.ema !== undefined ? 1 : 0);
  const params = BYTES_PER_VALUE * (estimate.params + (copies - 1) * estimate.trainableParams);
  const activations = BYTES_PER_VALUE * TRAIN_ACTIVATION_COPIES * spec.train.batchSize * estimate.train.perExample;
  return { total: params + activations, params, activations };
}

export function evalBytes(spec: ResolvedSpec, estimate: ResourceEstimate): { total: number; params: number; activations: number } {
  const params = BYTES_PER_VALUE * estimate.params;
  const activations = BYTES_PER_VALUE * spec.train.evalBatchSize * estimate.eval.perExample;
  return { total: params + activations, params, activations };
}

/**
 * Image values a synthetic data set may hold (train + test, each pixel drawn
 * and blurred in JavaScript): about half a minute of generation on one core
 * and 128 MiB. More is not a test task any more.
 */
export const MAX_SYNTHETIC_VALUES = 2 ** 27;

/** What a generated (synthetic) data set costs: refused, located at the data section, when it is more than a test task. */
function checkSyntheticData(spec: ResolvedSpec): Diagnostic[] {
  const data = spec.data;
  if (data.kind !== 'synthetic') return [];
  const perImage = spec.model.input.reduce((a, b) => a * b, 1);
  const values = (data.trainCount + data.testCount) * perImage;
  if (values <= MAX_SYNTHETIC_VALUES) return [];
  return [
    diagnostic('resourceSyntheticData', {
      ...(data.origin ? { span: data.origin } : {}),
      args: {
        images: formatCount(data.trainCount + data.testCount),
        values: formatCount(values),
        perImage: formatCount(perImage),
        limit: formatCount(MAX_SYNTHETIC_VALUES),
        fit: formatCount(Math.floor(MAX_SYNTHETIC_VALUES / perImage)),
      },
    }),
  ];
}

/** The phases a check covers: a command that only evaluates (ibc eval) asks about evaluation. */
export type ResourcePhase = 'training' | 'evaluation';

/**
 * What a command's numeric options change about the run: a batch size, the
 * sample counts. The same estimate as the spec's, on the run they ask for.
 */
export interface RunOptions {
  readonly batch?: number;
  readonly evalBatch?: number;
  readonly trainSamples?: number;
  readonly evalSamples?: number;
  readonly phases?: readonly ResourcePhase[];
}

/** checkResources for the run a command's options ask for (ibc eval --samples, ibc bench --batch): the spec's own check, on the changed run. */
export function checkResourcesWith(spec: ResolvedSpec, ir: ModelIR, options: RunOptions, machine: MachineLimits = currentMachine(true)): Diagnostic[] {
  const changedSpec: ResolvedSpec = {
    ...spec,
    train: { ...spec.train, batchSize: options.batch ?? spec.train.batchSize, evalBatchSize: options.evalBatch ?? spec.train.evalBatchSize },
  };
  const changedIr: ModelIR = { ...ir, samples: { train: options.trainSamples ?? ir.samples.train, eval: options.evalSamples ?? ir.samples.eval } };
  return checkResources(changedSpec, changedIr, machine, options.phases);
}

export function checkResources(spec: ResolvedSpec, ir: ModelIR, machine: MachineLimits = currentMachine(), phases: readonly ResourcePhase[] = ['training', 'evaluation']): Diagnostic[] {
  const estimate = estimateResources(ir);
  const out: Diagnostic[] = phases.includes('training') ? checkSyntheticData(spec) : [];
  const modelSpan = spec.model.origin;
  const attentionSpan = spec.model.attention?.origin;

  const param = estimate.largestParam;
  if (param && param.elements > MAX_TENSOR_ELEMENTS) {
    out.push(
      diagnostic('resourceTensorTooLarge', {
        ...at(param, modelSpan),
        args: { what: 'parameter', name: param.name, elements: formatCount(param.elements), limit: formatCount(MAX_TENSOR_ELEMENTS), total: `the model has ${formatCount(estimate.params)} parameters` },
      }),
    );
  }
  for (const [phase, batch, activation, samples] of [
    ['training', spec.train.batchSize, estimate.train, ir.samples.train],
    ['evaluation', spec.train.evalBatchSize, estimate.eval, ir.samples.eval],
  ] as const) {
    if (!phases.includes(phase)) continue;
    const largest = activation.largest;
    if (largest && largest.elements * batch > MAX_TENSOR_ELEMENTS) {
      const why = activation.rowsPerExample > 1 ? `, ${formatCount(activation.rowsPerExample)} rows per image with ${formatCount(samples)} ${phase === 'training' ? 'train' : 'eval'} samples` : '';
      out.push(
        diagnostic('resourceTensorTooLarge', {
          ...at(activation.rowsPerExample > 1 ? { ...largest, ...(attentionSpan ? { origin: attentionSpan } : {}) } : largest, modelSpan),
          args: {
            what: `${phase} activation`,
            name: largest.name,
            elements: formatCount(largest.elements * batch),
            limit: formatCount(MAX_TENSOR_ELEMENTS),
            total: `${formatCount(largest.elements)} values per image x batch ${batch}${why}`,
          },
        }),
      );
    }
  }
  if (out.length > 0) return out; // the memory totals would only restate the same impossibility

  for (const [phase, bytes, activation, samples, batch] of [
    ['training', trainingBytes(spec, estimate), estimate.train, ir.samples.train, spec.train.batchSize],
    ['evaluation', evalBytes(spec, estimate), estimate.eval, ir.samples.eval, spec.train.evalBatchSize],
  ] as const) {
    if (!phases.includes(phase)) continue;
    if (bytes.total <= machine.memoryBytes && bytes.total <= MAX_SANE_BYTES) continue;
    const fatal = bytes.total > MAX_SANE_BYTES || machine.enforceMemory === true;
    const activationsWin = bytes.activations >= bytes.params;
    const culprit = activationsWin ? (activation.rowsPerExample > 1 && attentionSpan ? { ...activation.largest!, origin: attentionSpan } : activation.largest) : param;
    const sampling = activation.rowsPerExample > 1 ? ` (${formatCount(activation.rowsPerExample)} rows per image from ${formatCount(samples)} samples)` : '';
    out.push(
      diagnostic(fatal ? 'resourceMemory' : 'resourceMemoryWarning', {
        ...at(culprit, spec.train.origin ?? modelSpan),
        args: {
          phase,
          needed: formatBytes(bytes.total),
          params: `${formatCount(estimate.params)} parameters with ${phase === 'training' ? 'gradients and optimizer state' : 'no gradients'}: ${formatBytes(bytes.params)}`,
          activations: `${formatCount(activation.perExample)} activation values per image${sampling} x batch ${batch}: ${formatBytes(bytes.activations)}`,
          available: bytes.total > MAX_SANE_BYTES && bytes.total <= machine.memoryBytes ? `the sane limit is ${formatBytes(MAX_SANE_BYTES)}` : `this machine has ${formatBytes(machine.memoryBytes)}`,
        },
      }),
    );
  }
  if (out.some((d) => d.severity === 'error')) return out;

  const flops = estimate.trainFlopsPerExample * spec.train.batchSize;
  if (phases.includes('training') && flops > WARN_FLOPS_PER_STEP) {
    out.push(
      diagnostic('resourceSlowStep', {
        ...at(undefined, spec.train.origin ?? modelSpan),
        args: { flops: formatCount(flops), batch: spec.train.batchSize, minutes: (flops / 200e9 / 60).toFixed(0) },
      }),
    );
  }
  return out;
}
