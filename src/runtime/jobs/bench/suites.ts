/**
 * The side-by-side suites of `ibc bench`: which measurements they take, in
 * which order, and the comparison lines they print. Measuring is injected
 * (`SuiteMeasurer`, implemented with child processes in bench-processes.ts),
 * so the assembly of the lines is testable with fake measurements.
 *
 * `--suite default` (npm run bench), per model: ibc's JSON line, the PyTorch
 * twin's, and a ratio line (ibc / PyTorch images per second, so above 1 means
 * ibc is faster); after VGG-16-aib also the peak-memory line (ibc / PyTorch
 * megabytes, so below 1 means ibc uses less). Each measurement runs in a
 * process of its own, so each peak_rss_mb is that model's alone.
 *
 * `--suite e2e` (npm run bench:e2e), per Fashion-MNIST spec: the whole job,
 * `ibc train SPEC` against the twin's `--mode train`, as one line with both
 * wall times (process start to exit), their ratio (PyTorch / ibc seconds, so
 * above 1 means ibc is faster) and both test top-1 figures.
 */

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
  /** ibc: the backend it trained on (from summary.json). */
  readonly backend?: string;
}

export interface E2eCase {
  readonly spec: string;
  /** The twin's --variant. */
  readonly variant: string;
}

export interface SuiteMeasurer {
  /** Why the PyTorch side cannot run (no torch in /usr/bin/python3); undefined when it can. */
  readonly pytorchProblem: string | undefined;
  ibcSteps(c: StepsCase): Measured<MeasurementLine>;
  /** The peer at ibc's batch, so both sides always time the same batch. */
  pytorchSteps(c: StepsCase, batch: number): Measured<MeasurementLine>;
  ibcTrain(c: E2eCase, limitTrain: number | undefined): Measured<TrainJob>;
  pytorchTrain(c: E2eCase, limitTrain: number | undefined): Measured<TrainJob>;
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

/** ibc / PyTorch images per second at one batch. */
export function ratioLine(label: string, ibc: MeasurementLine, pytorch: MeasurementLine): MeasurementLine | undefined {
  const ibcRate = numberField(ibc, 'img_per_s');
  const torchRate = numberField(pytorch, 'img_per_s');
  if (ibcRate === undefined || torchRate === undefined || torchRate <= 0) return undefined;
  return { comparison: `ibc / pytorch, ${label}`, batch: ibc['batch'], ibc_img_per_s: ibcRate, pytorch_img_per_s: torchRate, ratio: round(ibcRate / torchRate, 3) };
}

/** ibc / PyTorch peak resident megabytes. */
export function memoryLine(label: string, ibc: MeasurementLine, pytorch: MeasurementLine): MeasurementLine | undefined {
  const ibcMb = numberField(ibc, 'peak_rss_mb');
  const torchMb = numberField(pytorch, 'peak_rss_mb');
  if (ibcMb === undefined || torchMb === undefined || torchMb <= 0) return undefined;
  return { comparison: `peak resident memory, ${label}`, ibc_mb: ibcMb, pytorch_mb: torchMb, ratio: round(ibcMb / torchMb, 3) };
}

/** One spec's whole job on both sides; the PyTorch fields are absent when it could not run. */
export function e2eLine(c: E2eCase, limitTrain: number | undefined, ibc: TrainJob, pytorch: TrainJob | undefined): MeasurementLine {
  return {
    spec: c.spec,
    ...(limitTrain !== undefined ? { limit_train: limitTrain } : {}),
    ...(ibc.backend !== undefined ? { ibc_backend: ibc.backend } : {}),
    ibc_wall_s: round(ibc.wallSeconds, 2),
    ...(pytorch ? { pytorch_wall_s: round(pytorch.wallSeconds, 2), ratio: round(pytorch.wallSeconds / ibc.wallSeconds, 3) } : {}),
    ibc_test_top1: ibc.testTop1,
    ...(pytorch ? { pytorch_test_top1: pytorch.testTop1 } : {}),
  };
}

/** Runs `--suite default`; returns the exit status (an ibc measurement that fails stops the suite with its status). */
export function runStepsSuite(cases: readonly StepsCase[], measure: SuiteMeasurer, out: SuiteOutput): number {
  const problem = measure.pytorchProblem;
  for (const c of cases) {
    const ibc = measure.ibcSteps(c);
    if (!ibc.ok) {
      out.note(`${c.spec}: ibc bench failed (exit ${ibc.status})${ibc.message ? `: ${ibc.message}` : ''}\n`);
      return ibc.status === 0 ? 1 : ibc.status;
    }
    out.line(ibc.value);
    if (problem !== undefined) continue;
    const batch = numberField(ibc.value, 'batch') ?? c.batch ?? 0;
    const pytorch = measure.pytorchSteps(c, batch);
    if (!pytorch.ok) {
      out.note(`${c.label}: PyTorch benchmark failed (exit ${pytorch.status})${pytorch.message ? `: ${pytorch.message}` : ''}\n`);
      continue;
    }
    out.line(pytorch.value);
    const ratio = ratioLine(c.label, ibc.value, pytorch.value);
    if (ratio) {
      out.line(ratio);
      out.say(`ibc (${String(ibc.value['backend'])}) / PyTorch, ${c.label}: ${String(ratio['ratio'])}\n`);
    }
    if (c.memory) {
      const memory = memoryLine(c.memory.label, ibc.value, pytorch.value);
      if (memory) {
        out.line(memory);
        out.say(`peak memory ibc / PyTorch, ${c.memory.label}: ${String(memory['ibc_mb'])} / ${String(memory['pytorch_mb'])} MB = ${String(memory['ratio'])}\n`);
      } else {
        out.note(`peak memory comparison skipped: a side did not report peak_rss_mb\n`);
      }
    }
  }
  if (problem !== undefined) out.note(`PyTorch side-by-side skipped: ${problem}\n`);
  return 0;
}

/** Runs `--suite e2e`; returns the exit status. */
export function runE2eSuite(cases: readonly E2eCase[], limitTrain: number | undefined, measure: SuiteMeasurer, out: SuiteOutput): number {
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
      out.say(`${c.spec}: the PyTorch twin (--mode train --variant ${c.variant})...\n`);
      const run = measure.pytorchTrain(c, limitTrain);
      if (run.ok) pytorch = run.value;
      else out.note(`${c.variant}: PyTorch twin failed (exit ${run.status})${run.message ? `: ${run.message}` : ''}\n`);
    }
    out.line(e2eLine(c, limitTrain, ibc.value, pytorch));
  }
  if (problem !== undefined) out.note(`PyTorch side-by-side skipped: ${problem}\n`);
  return 0;
}
