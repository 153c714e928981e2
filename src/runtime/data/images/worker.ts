/**
 * A data worker thread: decodes files (decode.ts, on sharp) and renders
 * batches of stored images (render.ts), answering pool.ts's requests one at a
 * time in the order they come. Stores arrive by 'attach': memory shards are
 * shared buffers (no copy), file shards are opened here and read per image.
 * Rendered batches are transferred back, not copied.
 */
import { parentPort } from 'node:worker_threads';
import { readDataFile } from '../../../host/read-file.js';
import { RunError } from '../../../support/errors.js';
import { decodeForStore, DecodeFailure, type SharpFactory } from './decode.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';
import { VIEW_FIELDS } from './protocol.js';
import { renderView } from './render.js';
import { StoreReader } from './store.js';

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread of the data pool');

const sharpModule = await import('sharp');
const sharp = sharpModule.default;
// One libvips thread per worker: the pool's threads are the parallelism; no operation cache (every file is read once).
sharp.concurrency(1);
sharp.cache(false);
const factory: SharpFactory = (input, options) => sharp(input, options);
const versions = sharp.versions as { readonly sharp?: string; readonly vips?: string };

const feeds = new Map<number, StoreReader>();

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

function failed(id: number, error: unknown): WorkerReply {
  if (error instanceof RunError) return { type: 'failed', id, message: error.message, diagnostic: error.diagnostic };
  return { type: 'failed', id, message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}

/** Why the file reader refused a file, without repeating its path (the message that reports it names it). */
function readFailure(path: string, error: RunError): string {
  if (error.diagnostic.code === 'IB6000') return 'the file no longer exists (removed while ibc ran?)';
  const prefix = `cannot read '${path}': `;
  const message = error.diagnostic.message;
  return message.startsWith(prefix) ? `it cannot be read: ${message.slice(prefix.length)}` : message;
}

async function handle(request: WorkerRequest): Promise<void> {
  switch (request.type) {
    case 'decode': {
      try {
        const bytes = readDataFile(request.path, 'image file');
        const image = await decodeForStore(factory, bytes, request.rule, request.channels);
        reply({ type: 'decoded', id: request.id, width: image.width, height: image.height, originalWidth: image.originalWidth, originalHeight: image.originalHeight, data: image.data }, [
          image.data.buffer as ArrayBuffer,
        ]);
      } catch (error) {
        if (error instanceof DecodeFailure) reply({ type: 'unusable', id: request.id, reason: error.reason });
        else if (error instanceof RunError) reply({ type: 'unusable', id: request.id, reason: readFailure(request.path, error) });
        else reply(failed(request.id, error));
      }
      return;
    }
    case 'attach':
      feeds.set(request.feed, new StoreReader(request.store));
      return;
    case 'detach':
      feeds.get(request.feed)?.close();
      feeds.delete(request.feed);
      return;
    case 'batch': {
      try {
        const reader = feeds.get(request.feed);
        if (!reader) throw new Error(`batch for feed ${request.feed}, which this worker does not hold`);
        const [h, w, c] = request.input;
        const size = h * w * c;
        const n = request.images.length;
        const out = new Float32Array(n * size);
        for (let b = 0; b < n; b++) {
          const v = b * VIEW_FIELDS;
          const views = request.views;
          const view = { top: views[v]!, left: views[v + 1]!, height: views[v + 2]!, width: views[v + 3]!, flip: views[v + 4] === 1 };
          renderView(reader.image(request.images[b]!), view, request.input, request.mode, request.table, out, b * size);
        }
        reply({ type: 'batch', id: request.id, images: out }, [out.buffer as ArrayBuffer]);
      } catch (error) {
        reply(failed(request.id, error));
      }
      return;
    }
  }
}

// Requests are handled strictly one after another: a decode awaits sharp, and nothing else may interleave with it.
// handle() answers every request that has an id; anything it throws besides is a bug, reported without stopping the queue.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: WorkerRequest) => {
  queue = queue
    .then(() => handle(request))
    .catch((error: unknown) => {
      if ('id' in request) reply(failed(request.id, error));
      else console.error(`data worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    });
});
reply({ type: 'ready', decoder: `sharp ${versions.sharp ?? '?'}, libvips ${versions.vips ?? '?'}` });
