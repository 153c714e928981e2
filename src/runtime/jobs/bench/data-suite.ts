/**
 * `ibc bench --suite data` (npm run bench:data): ibc's image-folder pipeline
 * next to PyTorch's DataLoader (2 workers; Resize(256), RandomCrop(224),
 * flip, normalise) on the same folder, then a whole one-epoch job of a small
 * CNN on both sides. Each measurement runs in a child process:
 *
 * - `node bin/ibc.js bench --data DIR/train --json`: the first pass (decoding
 *   into an empty cache), epochs of training batches, a warm start;
 * - bench/pytorch_data.py --mode pipeline: the DataLoader's epochs;
 * - `node bin/ibc.js train SPEC --epochs 1` twice: with an empty image cache,
 *   then with the cache the first run wrote (a rerun, a resume, a sweep
 *   member); bench/pytorch_data.py --mode train: its twin, whose every epoch
 *   decodes.
 *
 * Without --data DIR a CUB-like folder is generated first (JPEGs of 500x375
 * in 10 classes: 800 for training, 200 for testing) and removed afterwards.
 * Lines: ibc's and PyTorch's measurements, then the comparisons (ratio above
 * 1: ibc is faster).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BackendRequest } from '../../engine/backends/select.js';
import type { StepRequest } from '../../engine/choose-engine.js';
import { PYTHON, pytorchProblem } from './processes.js';
import type { Measured, MeasurementLine, SuiteOutput } from './suites.js';

/** A whole job's wall time (process start to exit) and its test accuracy. */
export interface EpochJob {
  readonly wallSeconds: number;
  readonly testTop1: number;
}

export interface DataSuiteMeasurer {
  readonly pytorchProblem: string | undefined;
  ibcPipeline(folder: string): Measured<MeasurementLine>;
  pytorchPipeline(folder: string): Measured<MeasurementLine>;
  /** `ibc train` of the small CNN on root/train and root/test, one epoch, with the image cache in `cache`. */
  ibcEpoch(root: string, cache: string): Measured<EpochJob>;
  pytorchEpoch(root: string): Measured<EpochJob>;
}

export interface DataSuiteOptions {
  readonly epochs: number;
  readonly batch: number;
  readonly workers: number;
}

const round = (x: number, digits: number): number => Number(x.toFixed(digits));

function mean(values: unknown): number | undefined {
  if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'number')) return undefined;
  return (values as number[]).reduce((a, b) => a + b, 0) / values.length;
}

/** The pipelines' comparison: steady epochs (ibc after its one decode) and ibc's first pass, each against PyTorch's epochs. */
export function pipelineLine(ibc: MeasurementLine, pytorch: MeasurementLine): MeasurementLine | undefined {
  const ibcEpochs = mean(ibc['epoch_img_per_s']);
  const torchEpochs = mean(pytorch['epoch_img_per_s']);
  const firstPass = ibc['decode_img_per_s'];
  if (ibcEpochs === undefined || torchEpochs === undefined || torchEpochs <= 0 || typeof firstPass !== 'number') return undefined;
  return {
    comparison: 'data pipeline images/s, ibc / pytorch DataLoader',
    ibc_epoch_img_per_s: round(ibcEpochs, 1),
    pytorch_epoch_img_per_s: round(torchEpochs, 1),
    ratio: round(ibcEpochs / torchEpochs, 3),
    ibc_first_pass_img_per_s: firstPass,
    first_pass_ratio: round(firstPass / torchEpochs, 3),
  };
}

/** The whole jobs' comparison: PyTorch's wall time over ibc's, with an empty and with a warm image cache. */
export function epochLine(cold: EpochJob, warm: EpochJob, pytorch: EpochJob | undefined): MeasurementLine {
  return {
    comparison: 'one epoch of a small CNN and its evaluation, whole job',
    ibc_cold_cache_wall_s: round(cold.wallSeconds, 2),
    ibc_warm_cache_wall_s: round(warm.wallSeconds, 2),
    ...(pytorch
      ? { pytorch_wall_s: round(pytorch.wallSeconds, 2), ratio_cold: round(pytorch.wallSeconds / cold.wallSeconds, 3), ratio_warm: round(pytorch.wallSeconds / warm.wallSeconds, 3) }
      : {}),
    ibc_test_top1: cold.testTop1,
    ...(pytorch ? { pytorch_test_top1: pytorch.testTop1 } : {}),
  };
}

/** Runs the suite on `root` (train/ and test/ class folders); returns the exit status. */
export function runDataSuite(root: string, measure: DataSuiteMeasurer, out: SuiteOutput): number {
  const problem = measure.pytorchProblem;
  const train = join(root, 'train');
  out.say(`data pipeline on ${train}: ibc...\n`);
  const ibc = measure.ibcPipeline(train);
  if (!ibc.ok) {
    out.note(`ibc bench --data failed (exit ${ibc.status})${ibc.message ? `: ${ibc.message}` : ''}\n`);
    return ibc.status === 0 ? 1 : ibc.status;
  }
  out.line(ibc.value);
  if (problem === undefined) {
    out.say('data pipeline: PyTorch DataLoader...\n');
    const pytorch = measure.pytorchPipeline(train);
    if (pytorch.ok) {
      out.line(pytorch.value);
      const line = pipelineLine(ibc.value, pytorch.value);
      if (line) out.line(line);
    } else {
      out.note(`PyTorch DataLoader failed (exit ${pytorch.status})${pytorch.message ? `: ${pytorch.message}` : ''}\n`);
    }
  }
  const cache = mkdtempSync(join(tmpdir(), 'ibc-bench-data-cache-'));
  try {
    out.say('one epoch of a small CNN: ibc train with an empty image cache...\n');
    const cold = measure.ibcEpoch(root, cache);
    if (!cold.ok) {
      out.note(`ibc train failed (exit ${cold.status})${cold.message ? `: ${cold.message}` : ''}\n`);
      return cold.status === 0 ? 1 : cold.status;
    }
    out.say('one epoch of a small CNN: ibc train again, from the cache...\n');
    const warm = measure.ibcEpoch(root, cache);
    if (!warm.ok) {
      out.note(`ibc train failed (exit ${warm.status})${warm.message ? `: ${warm.message}` : ''}\n`);
      return warm.status === 0 ? 1 : warm.status;
    }
    let pytorch: EpochJob | undefined;
    if (problem === undefined) {
      out.say('one epoch of a small CNN: the PyTorch twin...\n');
      const run = measure.pytorchEpoch(root);
      if (run.ok) pytorch = run.value;
      else out.note(`PyTorch twin failed (exit ${run.status})${run.message ? `: ${run.message}` : ''}\n`);
    }
    out.line(epochLine(cold.value, warm.value, pytorch));
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
  if (problem !== undefined) out.note(`PyTorch side-by-side skipped: ${problem}\n`);
  return 0;
}

/** The spec of the small CNN (the twin is bench/pytorch_data.py's small_cnn). */
export function smallCnnSpec(root: string, classes: number, batch: number): string {
  return `# ibc bench --suite data: a small CNN over an image folder, the twin of bench/pytorch_data.py --mode train
name photo-folder-small
model {
  input 224x224x3
  classes ${classes}
  backbone custom {
    stage stage1 {
      conv 16 kernel=3 stride=2
      batchnorm
      relu
      maxpool 2
    }
    stage stage2 {
      conv 32 kernel=3 stride=2
      batchnorm
      relu
      maxpool 2
    }
  }
  classifier {
    global_avgpool
    linear ${classes}
  }
}
data folder {
  train ${JSON.stringify(join(root, 'train'))}
  test ${JSON.stringify(join(root, 'test'))}
  resize 256
  augment {
    crop padding=0
    flip horizontal
  }
  normalize mean=[0.485, 0.456, 0.406] std=[0.229, 0.224, 0.225]
}
train {
  epochs 1
  batch ${batch}
  optimizer adam lr=1e-3
  seed 1
}
`;
}

/** Smooth seeded noise with grain, encoded as JPEG: photo-like sizes (about 40 KB at 500x375). */
export async function makePhotoFolder(root: string, counts: { readonly train: number; readonly test: number }, classes = 10): Promise<void> {
  const { default: sharp } = await import('sharp');
  let state = 12345;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
  const width = 500;
  const height = 375;
  for (const [split, count] of [['train', counts.train], ['test', counts.test]] as const) {
    for (let i = 0; i < count; i++) {
      const c = i % classes;
      const dir = join(root, split, `class${String(c).padStart(2, '0')}`);
      mkdirSync(dir, { recursive: true });
      const grid = Array.from({ length: 16 * 21 * 3 }, () => next() * 255);
      const raw = new Uint8Array(width * height * 3);
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const gy = (y / height) * 15;
          const gx = (x / width) * 20;
          const y0 = Math.floor(gy);
          const x0 = Math.floor(gx);
          const fy = gy - y0;
          const fx = gx - x0;
          for (let k = 0; k < 3; k++) {
            const at = (yy: number, xx: number): number => grid[(yy * 21 + xx) * 3 + k] ?? 0;
            const v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
            raw[(y * width + x) * 3 + k] = Math.max(0, Math.min(255, v + (next() - 0.5) * 40));
          }
        }
      }
      const jpeg = await sharp(raw, { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
      writeFileSync(join(dir, `img${String(i).padStart(5, '0')}.jpg`), jpeg);
    }
  }
}

function classCount(folder: string): number {
  return readdirSync(folder).filter((n) => !n.startsWith('.') && statSync(join(folder, n)).isDirectory()).length;
}

function lastJson(text: string | null | undefined): MeasurementLine | undefined {
  const line = (text ?? '').trim().split('\n').pop() ?? '';
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as MeasurementLine) : undefined;
  } catch {
    return undefined;
  }
}

function tail(text: string | null | undefined): string {
  return (text ?? '').trim().split('\n').filter((l) => l.trim() !== '').slice(-4).join('\n');
}

export interface DataChildOptions {
  readonly root: string;
  readonly backend: BackendRequest;
  readonly step?: StepRequest;
  readonly options: DataSuiteOptions;
}

export function dataChildMeasurer(child: DataChildOptions): DataSuiteMeasurer {
  const ibc = resolve(child.root, 'bin/ibc.js');
  const peer = resolve(child.root, 'bench/pytorch_data.py');
  const { epochs, batch, workers } = child.options;
  const run = (command: string, args: readonly string[]): { out: ReturnType<typeof spawnSync>; seconds: number } => {
    const start = performance.now();
    const out = spawnSync(command, args, { cwd: child.root, encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
    return { out, seconds: (performance.now() - start) / 1000 };
  };
  const json = (command: string, args: readonly string[]): Measured<MeasurementLine> => {
    const { out } = run(command, args);
    const line = out.status === 0 ? lastJson(out.stdout as string) : undefined;
    return line ? { ok: true, value: line } : { ok: false, status: out.status ?? 1, message: out.error?.message ?? tail(out.stderr as string) };
  };
  return {
    pytorchProblem: pytorchProblem(),
    ibcPipeline: (folder) => json(process.execPath, [ibc, 'bench', '--data', folder, '--epochs', String(epochs), '--batch', String(batch), '--data-workers', String(workers), '--json']),
    pytorchPipeline: (folder) => json(PYTHON, [peer, '--mode', 'pipeline', '--folder', folder, '--epochs', String(epochs), '--batch', String(batch), '--workers', String(workers)]),
    ibcEpoch(root, cache) {
      const dir = mkdtempSync(join(tmpdir(), 'ibc-bench-data-run-'));
      try {
        const spec = join(dir, 'photo-folder-small.ibspec');
        writeFileSync(spec, smallCnnSpec(root, classCount(join(root, 'train')), batch));
        const engine = child.step !== undefined ? ['--step', child.step] : [];
        const args = [ibc, 'train', spec, '--out', join(dir, 'run'), '--attention', '0', '--backend', child.backend, ...engine, '--data-cache', cache, '--data-workers', String(workers)];
        const { out, seconds } = run(process.execPath, args);
        if (out.status !== 0) return { ok: false, status: out.status ?? 1, message: out.error?.message ?? tail(out.stderr as string) };
        const match = /test top1 ([\d.]+)%/.exec(out.stdout as string);
        return { ok: true, value: { wallSeconds: seconds, testTop1: match ? Number(match[1]) / 100 : NaN } };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    pytorchEpoch(root) {
      const { out, seconds } = run(PYTHON, [peer, '--mode', 'train', '--folder', root, '--batch', String(batch), '--workers', String(workers)]);
      const line = out.status === 0 ? lastJson(out.stdout as string) : undefined;
      const top1 = line?.['test_top1'];
      if (!line || typeof top1 !== 'number') return { ok: false, status: out.status ?? 1, message: out.error?.message ?? tail(out.stderr as string) };
      return { ok: true, value: { wallSeconds: seconds, testTop1: top1 } };
    },
  };
}

/** The repository root (the same relative place from src/ and dist/): bin/ibc.js and bench/ are found from it. */
function packageRoot(): string {
  return fileURLToPath(new URL('../../../../', import.meta.url));
}

export interface DataSuiteRequest {
  /** A folder with train/ and test/ class folders; undefined: a CUB-like one is generated (and removed afterwards). */
  readonly root?: string;
  readonly backend: BackendRequest;
  readonly step?: StepRequest;
  readonly options: DataSuiteOptions;
}

/** `ibc bench --suite data`: the suite on the given or a generated folder; its exit status. */
export async function runDataSuiteJob(request: DataSuiteRequest, output: SuiteOutput): Promise<number> {
  let root = request.root;
  let generated: string | undefined;
  if (root === undefined) {
    generated = mkdtempSync(join(tmpdir(), 'ibc-bench-photos-'));
    output.say(`generating a CUB-like folder (800 + 200 JPEGs of 500x375, 10 classes) in ${generated}...\n`);
    await makePhotoFolder(generated, { train: 800, test: 200 });
    root = generated;
  }
  try {
    const measurer = dataChildMeasurer({ root: packageRoot(), backend: request.backend, ...(request.step !== undefined ? { step: request.step } : {}), options: request.options });
    return runDataSuite(root, measurer, output);
  } finally {
    if (generated !== undefined) rmSync(generated, { recursive: true, force: true });
  }
}
