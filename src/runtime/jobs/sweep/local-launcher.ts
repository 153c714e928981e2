/**
 * The local launcher: a bounded pool of `ibc train` worker processes. Each
 * worker gets cores / jobs threads (OpenMP for oneDNN, TensorFlow's intra-op
 * pool), so N workers share the machine instead of each assuming it owns it;
 * likewise each gets 1/N of the default memory budget for decoded images
 * (IBC_DATA_MEMORY) and as many data worker threads (IBC_DATA_WORKERS) as
 * compute threads, unless the sweep's environment sets them.
 * A worker's output goes to the member's log file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync } from 'node:fs';
import { openForAppend } from '../../../host/append-file.js';
import { reasonOf } from '../../../support/errors.js';
import type { MemberTask } from '../../runs/sweep/prepare.js';
import { defaultMemoryBudget } from '../../data/index.js';

export interface LocalLaunchOptions {
  /** Workers at once (at least 1). */
  readonly jobs: number;
  /** Cores to share among the workers. */
  readonly cores: number;
  /** The program that runs `ibc` and its leading arguments: [node, bin/ibc.js]. */
  readonly program: readonly [string, ...string[]];
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Asked just before a task starts: a reason not to start it (another
   * process finished it, or is training it, since the sweep was planned), or
   * undefined to start it.
   */
  readonly skip?: (task: MemberTask) => string | undefined;
  /** Ctrl-C or SIGTERM of the sweep: passed on to the running workers; no new task starts once one came. */
  readonly interrupts?: WorkerInterrupts;
}

/**
 * The sweep's interrupts, for its workers. Workers run in their own process group, so a Ctrl-C
 * at the terminal reaches the sweep alone, which passes each signal on exactly once: the first
 * stops every worker at a step boundary with a checkpoint (ibc train's own handling), a second
 * stops them at once (their last good checkpoint stays). Once one came, no new task starts.
 */
export class WorkerInterrupts {
  private first: 'SIGINT' | 'SIGTERM' | undefined;
  private readonly workers = new Set<ChildProcess>();

  /** The first signal received, if any. */
  received(): 'SIGINT' | 'SIGTERM' | undefined {
    return this.first;
  }

  /** How many workers are running. */
  running(): number {
    return this.workers.size;
  }

  /** Passes `signal` on to every running worker; the first one also stops new starts. */
  send(signal: 'SIGINT' | 'SIGTERM'): void {
    this.first ??= signal;
    for (const worker of this.workers) worker.kill(signal);
  }

  add(worker: ChildProcess): void {
    this.workers.add(worker);
  }

  remove(worker: ChildProcess): void {
    this.workers.delete(worker);
  }
}

export interface TaskEnd {
  readonly task: MemberTask;
  /** The exit status, or the signal that ended the worker. */
  readonly exit: number | string;
  /** Why the task was not started (LocalLaunchOptions.skip). */
  readonly skipped?: string;
  /** The sweep was interrupted before this task started. */
  readonly notStarted?: 'SIGINT' | 'SIGTERM';
}

export interface LocalEvents {
  started(task: MemberTask, running: number): void;
  ended(end: TaskEnd, remaining: number): void;
}

/** Threads per worker: the cores divided among the workers, at least one. */
export function threadsPerWorker(cores: number, jobs: number): number {
  return Math.max(1, Math.floor(cores / Math.max(1, jobs)));
}

/** Environment that caps a worker's thread pools. */
export function threadEnv(threads: number): Record<string, string> {
  const t = String(threads);
  return { OMP_NUM_THREADS: t, TF_NUM_INTRAOP_THREADS: t, TF_NUM_INTEROP_THREADS: '1' };
}

/**
 * A worker's environment: the sweep's, its thread caps, and, unless the sweep's sets them,
 * `budget` / `jobs` bytes for decoded images (folder data: `jobs` members at once hold no
 * more than one run would by default) and `threads` data worker threads.
 */
export function workerEnv(env: LocalLaunchOptions['env'], threads: number, jobs: number, budget: number = defaultMemoryBudget()): Record<string, string | undefined> {
  const unset = (name: string): boolean => env[name] === undefined || env[name] === '';
  return {
    ...env,
    ...threadEnv(threads),
    ...(unset('IBC_DATA_MEMORY') ? { IBC_DATA_MEMORY: String(Math.floor(budget / Math.max(1, jobs))) } : {}),
    ...(unset('IBC_DATA_WORKERS') ? { IBC_DATA_WORKERS: String(threads) } : {}),
  };
}

function runOne(task: MemberTask, options: LocalLaunchOptions, env: Record<string, string | undefined>): Promise<number | string> {
  return new Promise((resolvePromise) => {
    let log: number;
    try {
      log = openForAppend(task.logFile);
    } catch (error) {
      resolvePromise(`its log '${task.logFile}' cannot be written: ${reasonOf(error)}`);
      return;
    }
    const [command, ...lead] = options.program;
    // Its own process group: a Ctrl-C at the terminal reaches the sweep, which passes it on once (WorkerInterrupts).
    const child = spawn(command, [...lead, ...task.trainArgs], {
      env,
      stdio: ['ignore', log, log],
      detached: true,
    });
    closeSync(log);
    options.interrupts?.add(child);
    const end = (exit: number | string): void => {
      options.interrupts?.remove(child);
      resolvePromise(exit);
    };
    child.on('error', (error) => end(error.message));
    child.on('exit', (code, signal) => end(code ?? signal ?? 'unknown'));
  });
}

/** Runs every task, at most `jobs` at a time; resolves with each task's exit once all have ended. */
export async function runLocally(tasks: readonly MemberTask[], options: LocalLaunchOptions, events: LocalEvents): Promise<TaskEnd[]> {
  const jobs = Math.max(1, Math.min(options.jobs, tasks.length));
  // Threads follow --jobs, not how many members are left: the thread count is part of each run's identity.
  const env = workerEnv(options.env, threadsPerWorker(options.cores, options.jobs), jobs);
  const queue = [...tasks];
  const ends: TaskEnd[] = [];
  let running = 0;
  const worker = async (): Promise<void> => {
    for (let task = queue.shift(); task; task = queue.shift()) {
      const interrupted = options.interrupts?.received();
      if (interrupted !== undefined) {
        const end = { task, exit: 'not started', notStarted: interrupted };
        ends.push(end);
        events.ended(end, queue.length + running);
        continue;
      }
      const skipped = options.skip?.(task);
      if (skipped !== undefined) {
        const end = { task, exit: 0, skipped };
        ends.push(end);
        events.ended(end, queue.length + running);
        continue;
      }
      running++;
      events.started(task, running);
      const exit = await runOne(task, options, env);
      running--;
      const end = { task, exit };
      ends.push(end);
      events.ended(end, queue.length + running);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return ends;
}
