/**
 * The data pool: worker threads (worker.ts) that decode image files and
 * render batches of stored images, so that neither runs on the thread that
 * trains. Requests go to the worker with the fewest outstanding ones; each
 * resolves with its reply. While no request is outstanding the workers are
 * unreferenced, so an idle pool never keeps the process alive; `close()`
 * ends them.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { RunError, runError } from '../../../support/errors.js';
import { workerScript } from '../../../support/worker-script.js';
import type { StoredSizeRule } from './decode.js';
import type { BatchRequest, WorkerReply, WorkerRequest } from './protocol.js';
import type { ImageStore } from './store.js';

/** One decoded file, or why it cannot be used. */
export type DecodeOutcome =
  | { readonly ok: true; readonly width: number; readonly height: number; readonly originalWidth: number; readonly originalHeight: number; readonly data: Uint8Array }
  | { readonly ok: false; readonly reason: string };

/** Default worker count: the cores this process may use, at most 8 (PyTorch's DataLoader users pick about that many). */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

interface Pending {
  readonly resolve: (reply: WorkerReply) => void;
  readonly reject: (error: Error) => void;
  readonly worker: number;
}

/**
 * The process's pool of `count` workers, started on first use and kept (idle
 * and unreferenced) for the next data set: eval after train, a test's many
 * small folders. A pool that broke, or one of another size, is replaced.
 */
const shared = new Map<number, Promise<ImagePool>>();

export function sharedPool(count: number = defaultWorkerCount()): Promise<ImagePool> {
  const size = Math.max(1, Math.floor(count));
  const existing = shared.get(size);
  const fresh = (): Promise<ImagePool> => {
    const started = ImagePool.start(size);
    shared.set(size, started);
    started.catch(() => shared.delete(size));
    return started;
  };
  if (!existing) return fresh();
  return existing.then((pool) => (pool.usable ? pool : fresh()), fresh);
}

export class ImagePool {
  private readonly pending = new Map<number, Pending>();
  private readonly load: number[];
  private nextId = 1;
  private nextFeed = 1;
  private closed = false;
  private broken: Error | undefined;

  private constructor(
    private readonly workers: Worker[],
    /** The decoder and its version ("sharp 0.35.6, libvips 8.18.8"): part of the cache key. */
    readonly decoder: string,
  ) {
    this.load = workers.map(() => 0);
    workers.forEach((worker, index) => {
      worker.on('message', (reply: WorkerReply) => this.settle(reply));
      worker.on('error', (error: Error) => this.fail(new Error(`data worker ${index} failed: ${error.stack ?? error.message}`)));
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`data worker ${index} exited (status ${code})`));
      });
      worker.unref();
    });
  }

  /** Starts `count` workers and waits until each has loaded its decoder. */
  static async start(count: number = defaultWorkerCount()): Promise<ImagePool> {
    const script = workerScript(import.meta.url, 'worker.js', 'data worker');
    const workers: Worker[] = [];
    try {
      const decoders = await Promise.all(
        Array.from({ length: Math.max(1, count) }, () => {
          // A worker inherits the process's Node flags; --input-type (node -e with ES modules) refuses a script file.
          const worker = new Worker(script, { execArgv: process.execArgv.filter((flag) => !flag.startsWith('--input-type')) });
          workers.push(worker);
          return new Promise<string>((resolve, reject) => {
            const onMessage = (reply: WorkerReply): void => {
              if (reply.type === 'ready') {
                worker.off('error', onError);
                resolve(reply.decoder);
              }
            };
            const onError = (error: Error): void => reject(error);
            worker.once('message', onMessage);
            worker.once('error', onError);
          });
        }),
      );
      return new ImagePool(workers, decoders[0] ?? 'unknown');
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw runError('dataDecoderUnavailable', { reason: error instanceof Error ? error.message.split('\n')[0]! : String(error) });
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Whether requests can still be made (not closed, no worker lost). */
  get usable(): boolean {
    return !this.closed && this.broken === undefined;
  }

  decode(path: string, rule: StoredSizeRule, channels: 1 | 3): Promise<DecodeOutcome> {
    return this.request((id) => ({ type: 'decode', id, path, rule, channels })).then((reply): DecodeOutcome => {
      if (reply.type === 'decoded') return { ok: true, width: reply.width, height: reply.height, originalWidth: reply.originalWidth, originalHeight: reply.originalHeight, data: reply.data };
      if (reply.type === 'unusable') return { ok: false, reason: reply.reason };
      throw new Error(`data worker answered a decode with '${reply.type}'`);
    });
  }

  /** Makes `store` known to every worker; returns its feed id for `batch`. */
  attach(store: ImageStore): number {
    const feed = this.nextFeed++;
    for (const worker of this.workers) worker.postMessage({ type: 'attach', feed, store } satisfies WorkerRequest);
    return feed;
  }

  detach(feed: number): void {
    if (this.closed) return;
    for (const worker of this.workers) worker.postMessage({ type: 'detach', feed } satisfies WorkerRequest);
  }

  /** Renders one batch of the store `feed` names (protocol.ts). */
  batch(feed: number, request: BatchRequest): Promise<Float32Array> {
    return this.request((id) => ({ type: 'batch', id, feed, ...request })).then((reply) => {
      if (reply.type === 'batch') return reply.images;
      throw new Error(`data worker answered a batch with '${reply.type}'`);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fail(new Error('the data pool was closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private request(make: (id: number) => WorkerRequest): Promise<WorkerReply> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(new Error('the data pool is closed'));
    const id = this.nextId++;
    let target = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[target]!) target = i;
    const worker = this.workers[target]!;
    return new Promise<WorkerReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: target });
      this.load[target]! += 1;
      if (this.load[target] === 1) worker.ref();
      worker.postMessage(make(id));
    });
  }

  private settle(reply: WorkerReply): void {
    if (reply.type === 'ready') return;
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    this.release(pending.worker);
    if (reply.type === 'failed') {
      pending.reject(reply.diagnostic ? new RunError(reply.diagnostic) : new Error(`data worker: ${reply.message}`));
      return;
    }
    pending.resolve(reply);
  }

  private release(index: number): void {
    this.load[index]! -= 1;
    if (this.load[index] === 0) this.workers[index]?.unref();
  }

  private fail(error: Error): void {
    this.broken ??= error;
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      this.release(pending.worker);
      pending.reject(error);
    }
  }
}
