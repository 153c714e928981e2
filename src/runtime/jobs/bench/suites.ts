/**
 * The side-by-side suites of `ibc bench`: which measurements they take, in
 * which order, and the comparison lines they print. Measuring is injected
 * (`SuiteMeasurer`, implemented with child processes in bench-processes.ts),
 * so the assembly of the lines is testable with fake measurements.
 *
 * `--suite default` (npm run bench), per model: ibc's JSON line in each
 * precision it trains in here (fp32, and bf16 where the CPU has native bf16
 * kernels), the PyTorch twin's in each of its CPU configurations (fp32 NCHW,
 * fp32 channels-last, autocast bf16 + channels-last), then the ratio of each
 * ibc precision against PyTorch's best configuration for that model (ibc /
 * PyTorch images per second, so above 1 means ibc is faster) and of ibc bf16
 * against PyTorch bf16 + channels-last; after VGG-16-aib also the peak-memory
 * lines, each precision against PyTorch in the same precision (ibc / PyTorch
 * megabytes, so below 1 means ibc uses less). Each measurement runs in a
 * process of its own, so each peak_rss_mb is that model's alone.
 *
 * `--suite e2e` (npm run bench:e2e), per Fashion-MNIST spec: the whole job,
 * `ibc train SPEC` against the twin's `--mode train`, as one line with both
 * wall times (process start to exit), their ratio (PyTorch / ibc seconds, so
 * above 1 means ibc is faster), both sides' time in their training loops and
 * that ratio (the step ratio of the same run), how the whole-job ratio compares
 * with it, ibc's time per phase (summary.json), and both test top-1 figures.
 *
 * `--suite default` ends with the step log's cost: one spec trained by `ibc
 * train` with train.log_every at its default, at 1 (a line every step) and so
 * large that only each epoch's end writes a line (the least the loop logs),
 * alternated over a few repeats, and one line with the median training-loop
 * seconds (summary.json's `training` phase: steps and batches, no evaluation)
 * of each and their ratios to the epoch-end-only runs (above 1: the log costs).
 */
import type { Precision } from '../../engine/precision.js';
import { DEFAULT_LOG_EVERY } from '../../training/loop.js';

/** PyTorch's CPU configurations (bench/torch_peer.py CONFIGS), in the order they are measured. */
export const PYTORCH_CONFIGS = ['fp32', 'fp32-channels-last', 'bf16-channels-last'] as const;
export type PytorchConfig = (typeof PYTORCH_CONFIGS)[number];

/** A JSON line a measurement printed: ibc bench's record or a PyTorch script's. */
export type MeasurementLine = Readonly<Record<string, unknown>>;

/** A measurement's outcome: its line, or why there is none (its process's exit status and last words). */
export type Measured<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly status: number; readonly message: string };

/** A PyTorch peer: a script under bench/ and its arguments. */
export interface PeerScript {
  readonly script: string;
  readonly args: readonly string[];
}

/** One model of the steps suite. */
export interface StepsCase {
  readonly spec: string;
  /** Named in the comparison line ("ibc / pytorch, <label>"). */
  readonly label: string;
  /** Undefined: the spec's train.batch. */
  readonly batch?: number;
  readonly steps: number;
  readonly warmup: number;
  readonly peer: PeerScript;
  /** Print the peak-memory comparison after this model's lines. */
  readonly memory?: { readonly label: string };
}

/** The whole training job of one spec, as the e2e suite times it. */
export interface TrainJob {
  readonly wallSeconds: number;
  readonly testTop1: number;
  /** Seconds in the training loop over the epochs (batches and steps, no evaluation): ibc's summary.json phases, the twin's train_seconds. */
  readonly trainSeconds?: number;
  /** ibc: the backend it trained on (from summary.json). */
  readonly backend?: string;
  /** ibc: where the wall time went (summary.json `phases`, seconds). */
  readonly phases?: Readonly<Record<string, number>>;
}

export interface E2eCase {
  readonly spec: string;
  /** The twin's --variant. */
  readonly variant: string;
  /** More `ibc train` arguments (overrides, flags) after the spec; the e2e suite gives none. */
  readonly args?: readonly string[];
}

export interface SuiteMeasurer {
  /** Why the PyTorch side cannot run (no torch in /usr/bin/python3); undefined when it can. */
  readonly pytorchProblem: string | undefined;
  /** Why ibc cannot train in bf16 here (no native bf16 kernels, another backend); undefined when it can. */
  readonly bf16Problem: string | undefined;
  ibcSteps(c: StepsCase, precision: Precision): Measured<MeasurementLine>;
  /** The peer at ibc's batch, so both sides always time the same batch. */
  pytorchSteps(c: StepsCase, batch: number, config: PytorchConfig): Measured<MeasurementLine>;
  ibcTrain(c: E2eCase, limitTrain: number | undefined): Measured<TrainJob>;
  pytorchTrain(c: E2eCase, limitTrain: number | undefined, config: PytorchConfig): Measured<TrainJob>;
}

export interface SuiteOutput {
  /** One JSON line on stdout. */
  line(record: MeasurementLine): void;
  /** A note on stderr that is always shown (a skipped comparison, a failed peer). */
  note(text: string): void;
  /** Human-readable progress and results on stderr (left out with --json). */
  say(text: string): void;
}

/** Options of `--suite default`; undefined ones take each model's default. */
export interface StepsSuiteOptions {
  /** VGG's batch (default 32); the Fashion specs train at their own batch (64). */
  readonly batch?: number;
  readonly steps?: number;
  readonly warmup?: number;
}

const FASHION_VARIANTS = ['baseline', 'aib', 'aib-qt'] as const;
const FASHION_TWIN = 'bench/pytorch_fashion_small.py';

/** The models of `--suite default`: VGG-16-aib (5 steps, as before) and the three Fashion-MNIST specs (50 steps, as the issue's table). */
export function defaultSuite(options: StepsSuiteOptions): StepsCase[] {
  const vggBatch = options.batch ?? 32;
  const vgg: StepsCase = {
    spec: 'specs/cifar10-vgg16-aib.ibspec',
    label: 'VGG-16-bn + IB attention',
    batch: vggBatch,
    steps: options.steps ?? 5,
    warmup: options.warmup ?? 2,
    peer: { script: 'bench/pytorch_vgg_aib.py', args: [] },
    memory: { label: `VGG-16-aib training batch ${vggBatch}` },
  };
  const fashion = FASHION_VARIANTS.map((variant): StepsCase => ({
    spec: `specs/fashion-small-${variant}.ibspec`,
    label: `fashion-small-${variant}`,
    steps: options.steps ?? 50,
    warmup: options.warmup ?? 5,
    peer: { script: FASHION_TWIN, args: ['--mode', 'steps', '--variant', variant] },
  }));
  return [vgg, ...fashion];
}

/** The specs of `--suite e2e`. */
export function e2eSuite(): E2eCase[] {
  return FASHION_VARIANTS.map((variant) => ({ spec: `specs/fashion-small-${variant}.ibspec`, variant }));
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

function numberField(line: MeasurementLine, key: string): number | undefined {
  const value = line[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The fastest of some measurement lines (img_per_s), or undefined when none has a rate. */
export function fastest(lines: readonly MeasurementLine[]): MeasurementLine | undefined {
  let best: MeasurementLine | undefined;
  for (const line of lines) {
    const rate = numberField(line, 'img_per_s');
    if (rate !== undefined && (best === undefined || rate > (numberField(best, 'img_per_s') ?? 0))) best = line;
  }
  return best;
}

/** ibc (one precision) / PyTorch (one configuration) images per second at one batch; `against` names which PyTorch line it is ("best", "same precision"). */
export function ratioLine(label: string, against: string, ibc: MeasurementLine, pytorch: MeasurementLine): MeasurementLine | undefined {
  const ibcRate = numberField(ibc, 'img_per_s');
  const torchRate = numberField(pytorch, 'img_per_s');
  if (ibcRate === undefined || torchRate === undefined || torchRate <= 0) return undefined;
  return {
    comparison: `ibc / pytorch ${against}, ${label}`,
    batch: ibc['batch'],
    ibc_precision: ibc['precision'],
    ibc_img_per_s: ibcRate,
    pytorch_config: pytorch['config'],
    pytorch_img_per_s: torchRate,
    ratio: round(ibcRate / torchRate, 3),
  };
}

/** ibc / PyTorch peak resident megabytes, in the configuration both lines name. */
export function memoryLine(label: string, ibc: MeasurementLine, pytorch: MeasurementLine): MeasurementLine | undefined {
  const ibcMb = numberField(ibc, 'peak_rss_mb');
  const torchMb = numberField(pytorch, 'peak_rss_mb');
  if (ibcMb === undefined || torchMb === undefined || torchMb <= 0) return undefined;
  return { comparison: `peak resident memory, ${label}`, ibc_precision: ibc['precision'], pytorch_config: pytorch['config'], ibc_mb: ibcMb, pytorch_mb: torchMb, ratio: round(ibcMb / torchMb, 3) };
}

/** The PyTorch configuration each ibc precision is compared with on memory (and on speed besides the best): the same arithmetic. */
const SAME_PRECISION: Readonly<Record<Precision, PytorchConfig>> = { fp32: 'fp32', bf16: 'bf16-channels-last' };

/** Runs `--suite default`; returns the exit status (an ibc measurement that fails stops the suite with its status). */
export function runStepsSuite(cases: readonly StepsCase[], measure: SuiteMeasurer, out: SuiteOutput): number {
  const problem = measure.pytorchProblem;
  const precisions: Precision[] = measure.bf16Problem === undefined ? ['fp32', 'bf16'] : ['fp32'];
  for (const c of cases) {
    const ibcLines = new Map<Precision, MeasurementLine>();
    for (const precision of precisions) {
      const ibc = measure.ibcSteps(c, precision);
      if (!ibc.ok) {
        out.note(`${c.spec}: ibc bench (${precision}) failed (exit ${ibc.status})${ibc.message ? `: ${ibc.message}` : ''}\n`);
        return ibc.status === 0 ? 1 : ibc.status;
      }
      out.line(ibc.value);
      ibcLines.set(precision, ibc.value);
    }
    if (problem !== undefined) continue;
    const first = ibcLines.get('fp32');
    const batch = (first && numberField(first, 'batch')) ?? c.batch ?? 0;
    const torchLines = new Map<PytorchConfig, MeasurementLine>();
    for (const config of PYTORCH_CONFIGS) {
      const pytorch = measure.pytorchSteps(c, batch, config);
      if (!pytorch.ok) {
        out.note(`${c.label}: PyTorch benchmark (${config}) failed (exit ${pytorch.status})${pytorch.message ? `: ${pytorch.message}` : ''}\n`);
        continue;
      }
      out.line(pytorch.value);
      torchLines.set(config, pytorch.value);
    }
    const best = fastest([...torchLines.values()]);
    if (!best) continue;
    const rates: string[] = [];
    for (const [precision, ibc] of ibcLines) {
      const ratio = ratioLine(c.label, 'best', ibc, best);
      if (ratio) {
        out.line(ratio);
        rates.push(`${precision} ${String(ratio['ratio'])}`);
      }
      const same = torchLines.get(SAME_PRECISION[precision]);
      if (precision === 'bf16' && same) {
        const sameRatio = ratioLine(c.label, 'same precision', ibc, same);
        if (sameRatio) out.line(sameRatio);
      }
    }
    out.say(`ibc / PyTorch's best (${String(best['config'])}), ${c.label}: ${rates.join(', ')}\n`);
    if (c.memory) {
      for (const [precision, ibc] of ibcLines) {
        const same = torchLines.get(SAME_PRECISION[precision]);
        const memory = same && memoryLine(c.memory.label, ibc, same);
        if (memory) {
          out.line(memory);
          out.say(`peak memory ibc ${precision} / PyTorch ${SAME_PRECISION[precision]}, ${c.memory.label}: ${String(memory['ibc_mb'])} / ${String(memory['pytorch_mb'])} MB = ${String(memory['ratio'])}\n`);
        } else {
          out.note(`peak memory comparison (${precision}) skipped: a side did not report peak_rss_mb\n`);
        }
      }
    }
  }
  if (problem !== undefined) out.note(`PyTorch side-by-side skipped: ${problem}\n`);
  if (measure.bf16Problem !== undefined) out.note(`ibc bf16 not measured: ${measure.bf16Problem}\n`);
  return 0;
}

/**
 * One spec's whole job on both sides; the PyTorch fields are absent when it could not run.
 * train_ratio is the two training loops' ratio in the same run (PyTorch / ibc seconds), and
 * whole_over_train the whole-job ratio over it: 1 when nothing but the steps separates the two
 * jobs, below 1 when what is not the step (start-up, data, evaluation, figures) eats ibc's lead.
 */
export function e2eLine(c: E2eCase, limitTrain: number | undefined, ibc: TrainJob, pytorch: TrainJob | undefined, pytorchConfig?: PytorchConfig): MeasurementLine {
  const ratio = pytorch ? pytorch.wallSeconds / ibc.wallSeconds : undefined;
  const trainRatio = pytorch?.trainSeconds !== undefined && ibc.trainSeconds !== undefined && ibc.trainSeconds > 0 ? pytorch.trainSeconds / ibc.trainSeconds : undefined;
  return {
    spec: c.spec,
    ...(limitTrain !== undefined ? { limit_train: limitTrain } : {}),
    ...(ibc.backend !== undefined ? { ibc_backend: ibc.backend } : {}),
    ...(pytorch && pytorchConfig !== undefined ? { pytorch_config: pytorchConfig } : {}),
    ibc_wall_s: round(ibc.wallSeconds, 2),
    ...(pytorch && ratio !== undefined ? { pytorch_wall_s: round(pytorch.wallSeconds, 2), ratio: round(ratio, 3) } : {}),
    ...(ibc.trainSeconds !== undefined ? { ibc_train_s: round(ibc.trainSeconds, 2) } : {}),
    ...(pytorch?.trainSeconds !== undefined ? { pytorch_train_s: round(pytorch.trainSeconds, 2) } : {}),
    ...(ratio !== undefined && trainRatio !== undefined ? { train_ratio: round(trainRatio, 3), whole_over_train: round(ratio / trainRatio, 3) } : {}),
    ibc_test_top1: ibc.testTop1,
    ...(pytorch ? { pytorch_test_top1: pytorch.testTop1 } : {}),
    ...(ibc.phases ? { ibc_phases_s: ibc.phases } : {}),
  };
}

/** Runs `--suite e2e`; returns the exit status. */
export function runE2eSuite(cases: readonly E2eCase[], limitTrain: number | undefined, measure: SuiteMeasurer, out: SuiteOutput, pytorchConfig: PytorchConfig = 'fp32'): number {
  const problem = measure.pytorchProblem;
  for (const c of cases) {
    out.say(`${c.spec}: ibc train${limitTrain !== undefined ? ` --limit-train ${limitTrain}` : ''}...\n`);
    const ibc = measure.ibcTrain(c, limitTrain);
    if (!ibc.ok) {
      out.note(`${c.spec}: ibc train failed (exit ${ibc.status})${ibc.message ? `: ${ibc.message}` : ''}\n`);
      return ibc.status === 0 ? 1 : ibc.status;
    }
    let pytorch: TrainJob | undefined;
    if (problem === undefined) {
      out.say(`${c.spec}: the PyTorch twin (--mode train --variant ${c.variant} --config ${pytorchConfig})...\n`);
      const run = measure.pytorchTrain(c, limitTrain, pytorchConfig);
      if (run.ok) pytorch = run.value;
      else out.note(`${c.variant}: PyTorch twin failed (exit ${run.status})${run.message ? `: ${run.message}` : ''}\n`);
    }
    out.line(e2eLine(c, limitTrain, ibc.value, pytorch, pytorchConfig));
  }
  if (problem !== undefined) out.note(`PyTorch side-by-side skipped: ${problem}\n`);
  return 0;
}

/** The step log's cost: one spec, trained on its first `limitTrain` images for one epoch, `repeats` times per setting. */
export interface StepLogCase {
  readonly spec: string;
  readonly variant: string;
  readonly label: string;
  readonly limitTrain: number;
  readonly repeats: number;
}

/** The settings compared: only each epoch's end writes a line (log_every beyond the epoch's steps), the default, every step. */
export const STEP_LOG_SETTINGS = [
  { name: 'epoch_end_only', logEvery: 1_000_000_000 },
  { name: 'default', logEvery: DEFAULT_LOG_EVERY },
  { name: 'every_step', logEvery: 1 },
] as const;
export type StepLogSetting = (typeof STEP_LOG_SETTINGS)[number]['name'];

/** fashion-small-aib on 12,800 images (200 steps at its batch of 64), 3 alternated repeats. */
export function stepLogCase(): StepLogCase {
  return { spec: 'specs/fashion-small-aib.ibspec', variant: 'aib', label: 'fashion-small-aib', limitTrain: 12_800, repeats: 3 };
}

/** The `ibc train` arguments of one step-log measurement: the log_every override, one epoch, a small test split (evaluation is not timed). */
export function stepLogArgs(logEvery: number): string[] {
  return [`train.log_every=${logEvery}`, '--epochs', '1', '--limit-test', '256'];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The comparison line: each setting's median training seconds, and the default's and every step's over epoch-end-only. */
export function stepLogLine(c: StepLogCase, seconds: Readonly<Record<StepLogSetting, readonly number[]>>): MeasurementLine {
  const medians = Object.fromEntries(STEP_LOG_SETTINGS.map((s) => [s.name, round(median(seconds[s.name]), 3)])) as Record<StepLogSetting, number>;
  const base = median(seconds.epoch_end_only);
  return {
    comparison: `step log cost, ${c.label}`,
    limit_train: c.limitTrain,
    repeats: c.repeats,
    log_every: Object.fromEntries(STEP_LOG_SETTINGS.map((s) => [s.name, s.logEvery])),
    train_s_median: medians,
    ratio_default: round(median(seconds.default) / base, 3),
    ratio_every_step: round(median(seconds.every_step) / base, 3),
  };
}

/** Runs the step log's measurement (settings alternated within each repeat); returns the exit status (an ibc train that fails stops it). */
export function runStepLogCost(c: StepLogCase, measure: SuiteMeasurer, out: SuiteOutput): number {
  const seconds: Record<StepLogSetting, number[]> = { epoch_end_only: [], default: [], every_step: [] };
  for (let r = 0; r < c.repeats; r++) {
    for (const setting of STEP_LOG_SETTINGS) {
      out.say(`step log cost, ${c.label}: log_every=${setting.logEvery} (${r + 1}/${c.repeats})...\n`);
      const job = measure.ibcTrain({ spec: c.spec, variant: c.variant, args: stepLogArgs(setting.logEvery) }, c.limitTrain);
      if (!job.ok) {
        out.note(`${c.spec}: ibc train (log_every=${setting.logEvery}) failed (exit ${job.status})${job.message ? `: ${job.message}` : ''}\n`);
        return job.status === 0 ? 1 : job.status;
      }
      if (job.value.trainSeconds === undefined) {
        out.note(`${c.spec}: the run's summary.json has no training phase: the step log's cost was not measured\n`);
        return 1;
      }
      seconds[setting.name].push(job.value.trainSeconds);
    }
  }
  const line = stepLogLine(c, seconds);
  out.line(line);
  out.say(
    `step log cost, ${c.label} (training-loop seconds, median of ${c.repeats}, over a line only at the epoch's end): ` +
      `log_every=${DEFAULT_LOG_EVERY} (the default) ${String(line['ratio_default'])}, log_every=1 ${String(line['ratio_every_step'])}\n`,
  );
  return 0;
}
