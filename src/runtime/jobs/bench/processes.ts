/**
 * The measurements of `ibc bench --suite ...`, each in a child process of its
 * own: `node bin/ibc.js bench SPEC --json` (so each peak_rss_mb is that
 * model's high-water mark alone), `node bin/ibc.js train SPEC`, and the
 * PyTorch peers under bench/ run with Debian's /usr/bin/python3. PyTorch is
 * a benchmark peer only, never a dependency: without torch the suites print
 * ibc's side and say why the comparison was skipped.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readTextIfReadable } from '../../../host/read-file.js';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BackendRequest } from '../../engine/backends/select.js';
import type { StepRequest } from '../../engine/choose-engine.js';
import type { E2eCase, Measured, MeasurementLine, PytorchConfig, StepsCase, SuiteMeasurer, TrainJob } from './suites.js';
import { loadAddon } from '../../engine/backends/native/addon.js';
import { bf16Obstacle, type Precision } from '../../engine/precision.js';

/** Debian's interpreter, where python3-torch installs. */
export const PYTHON = '/usr/bin/python3';

/** PyTorch's threads in the peers, as in the measurements. */
const PYTORCH_THREADS = 2;

/** Enough for --profile's kernel tables. */
const MAX_OUTPUT = 64 << 20;

export interface ChildOptions {
  /** The repository root: bin/ibc.js, bench/ and specs/ are found from it. */
  readonly root: string;
  readonly backend: BackendRequest;
  /** --step for the ibc children; undefined: their default. */
  readonly step?: StepRequest;
  /** Children print only their JSON (no human lines on the inherited stderr). */
  readonly json: boolean;
  readonly profile: boolean;
  /** e2e: ibc train's --precision (default: the spec's). */
  readonly precision?: Precision;
  /** The first ibc bench child measures the machine's peak again (--recalibrate); the others read the cache. */
  readonly recalibrate?: boolean;
}

/** Why the suite's ibc children cannot train in bf16, or undefined when they can. */
export function bf16Problem(options: Pick<ChildOptions, 'backend' | 'step'>): string | undefined {
  if (options.backend !== 'auto' && options.backend !== 'ibc-native') return `bf16 trains on ibc-native, and the suite was asked for --backend ${options.backend}`;
  if (options.step === 'tfjs') return 'bf16 trains in the compiled step, and the suite was asked for --step tfjs';
  const loaded = loadAddon();
  if (!loaded.ok) return loaded.reason;
  return bf16Obstacle(loaded.addon.info());
}

/** Why the PyTorch peers cannot run here, or undefined when /usr/bin/python3 imports torch. */
export function pytorchProblem(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} does not exist (apt-get install -y python3-torch)`;
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
  return probe.status === 0 ? undefined : `${PYTHON} cannot import torch (apt-get install -y python3-torch)`;
}

/** `text` parsed as a JSON object, or undefined. */
function jsonObject(text: string): MeasurementLine | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as MeasurementLine) : undefined;
  } catch {
    return undefined;
  }
}

function lastLine(text: string | null | undefined): string {
  return (text ?? '').trim().split('\n').pop() ?? '';
}

/** The end of a failed child's stderr: its diagnostics, without the progress lines before them. */
function lastLines(text: string | null | undefined, count: number): string {
  return (text ?? '').trim().split('\n').filter((line) => line.trim() !== '').slice(-count).join('\n');
}

/** The child's last stdout line as JSON, or its failure (exit status, last stderr line unless the child wrote it to the terminal itself). */
function jsonResult(run: SpawnSyncReturns<string>): Measured<MeasurementLine> {
  if (run.error) return { ok: false, status: 1, message: run.error.message };
  const line = run.status === 0 ? jsonObject(lastLine(run.stdout)) : undefined;
  if (line) return { ok: true, value: line };
  const said = run.stderr === null ? 'its message is above' : lastLine(run.stderr);
  return { ok: false, status: run.status ?? 1, message: run.status === 0 ? `no JSON line on stdout (${lastLine(run.stdout) || 'empty'})` : said };
}

function numberIn(line: MeasurementLine, key: string): number | undefined {
  const value = line[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Runs `command args`, timing it from spawn to exit. */
function timed(command: string, args: readonly string[], cwd: string, stderr: 'inherit' | 'pipe'): { run: SpawnSyncReturns<string>; seconds: number } {
  const start = performance.now();
  const run = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: MAX_OUTPUT, stdio: ['ignore', 'pipe', stderr] });
  return { run, seconds: (performance.now() - start) / 1000 };
}

/** A finished run's summary.json, or undefined when it is missing or not a JSON object. */
function readSummary(path: string): MeasurementLine | undefined {
  const text = readTextIfReadable('record', path);
  return text !== undefined ? jsonObject(text) : undefined;
}

/** summary.json's `phases` (seconds by phase), or undefined when absent or not numbers. */
function phasesOf(value: unknown): Record<string, number> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number');
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

export function childMeasurer(options: ChildOptions): SuiteMeasurer {
  const { root } = options;
  const ibc = resolve(root, 'bin/ibc.js');
  const engine = options.step !== undefined ? ['--step', options.step] : [];
  let recalibrate = options.recalibrate === true;
  return {
    pytorchProblem: pytorchProblem(),
    bf16Problem: bf16Problem(options),

    ibcSteps(c: StepsCase, precision: Precision) {
      const args = [ibc, 'bench', c.spec, '--steps', String(c.steps), '--warmup', String(c.warmup), '--backend', options.backend, ...engine, '--precision', precision];
      if (c.batch !== undefined) args.push('--batch', String(c.batch));
      if (options.json) args.push('--json');
      if (options.profile) args.push('--profile');
      if (recalibrate && options.backend !== 'cpu' && options.backend !== 'webgpu') {
        args.push('--recalibrate');
        recalibrate = false;
      }
      // Its human lines and errors go straight to the terminal; its JSON line is read here and printed by the suite.
      return jsonResult(timed(process.execPath, args, root, 'inherit').run);
    },

    pytorchSteps(c: StepsCase, batch: number, config: PytorchConfig) {
      const args = [resolve(root, c.peer.script), ...c.peer.args, '--batch', String(batch), '--steps', String(c.steps), '--warmup', String(c.warmup), '--threads', String(PYTORCH_THREADS), '--config', config];
      return jsonResult(timed(PYTHON, args, root, 'pipe').run);
    },

    ibcTrain(c: E2eCase, limitTrain: number | undefined): Measured<TrainJob> {
      const dir = mkdtempSync(join(tmpdir(), 'ibc-bench-e2e-'));
      try {
        const out = join(dir, 'run');
        const args = [ibc, 'train', c.spec, ...(c.args ?? []), '--out', out, '--overwrite', '--backend', options.backend, ...engine];
        if (options.precision !== undefined) args.push('--precision', options.precision);
        if (limitTrain !== undefined) args.push('--limit-train', String(limitTrain));
        const { run, seconds } = timed(process.execPath, args, root, 'pipe');
        if (run.error || run.status !== 0) return { ok: false, status: run.status ?? 1, message: run.error?.message ?? lastLines(run.stderr, 6) };
        const summary = readSummary(join(out, 'summary.json'));
        const testTop1 = summary && numberIn(summary, 'test_top1');
        if (!summary || testTop1 === undefined) return { ok: false, status: 1, message: 'the run directory has no summary.json with test_top1' };
        const backend = summary['backend'];
        const phases = phasesOf(summary['phases']);
        const trainSeconds = phases?.['training'];
        return {
          ok: true,
          value: { wallSeconds: seconds, testTop1, ...(typeof backend === 'string' ? { backend } : {}), ...(phases ? { phases } : {}), ...(trainSeconds !== undefined ? { trainSeconds } : {}) },
        };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },

    pytorchTrain(c: E2eCase, limitTrain: number | undefined, config: PytorchConfig): Measured<TrainJob> {
      const args = [resolve(root, 'bench/pytorch_fashion_small.py'), '--mode', 'train', '--variant', c.variant, '--threads', String(PYTORCH_THREADS), '--config', config];
      if (limitTrain !== undefined) args.push('--limit-train', String(limitTrain));
      const { run, seconds } = timed(PYTHON, args, root, 'pipe');
      const result = jsonResult(run);
      if (!result.ok) return result;
      const testTop1 = numberIn(result.value, 'test_top1');
      if (testTop1 === undefined) return { ok: false, status: 1, message: 'the twin printed no test_top1' };
      const trainSeconds = numberIn(result.value, 'train_seconds');
      return { ok: true, value: { wallSeconds: seconds, testTop1, ...(trainSeconds !== undefined ? { trainSeconds } : {}) } };
    },
  };
}
