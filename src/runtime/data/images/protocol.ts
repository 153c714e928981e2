/** The messages between the data pool (pool.ts) and its worker threads (worker.ts). */
import type { StoredSizeRule } from './decode.js';
import type { ImageStore } from './store.js';
import type { Diagnostic } from '../../../diagnostics/diagnostic.js';

export type WorkerRequest =
  /** Decode one file to its stored form. */
  | { readonly type: 'decode'; readonly id: number; readonly path: string; readonly rule: StoredSizeRule; readonly channels: 1 | 3 }
  /** Make a store known to the worker as `feed`. */
  | { readonly type: 'attach'; readonly feed: number; readonly store: ImageStore }
  | { readonly type: 'detach'; readonly feed: number }
  /** Render a batch (BatchRequest). */
  | ({ readonly type: 'batch'; readonly id: number; readonly feed: number } & BatchRequest);

/**
 * What a batch is made of: `images` are store indices, `views` five integers
 * per example (top, left, height, width, flip 0/1); each example is rendered at
 * `input` size, padding reads as `mode` says, and bytes become floats through
 * `table` (normalize.ts).
 */
export interface BatchRequest {
  readonly images: Int32Array;
  readonly views: Int32Array;
  readonly input: readonly [number, number, number];
  readonly mode: 'reflect' | 'zero';
  readonly table: Float32Array;
}

export type WorkerReply =
  | { readonly type: 'ready'; readonly decoder: string }
  | {
      readonly type: 'decoded';
      readonly id: number;
      readonly width: number;
      readonly height: number;
      readonly originalWidth: number;
      readonly originalHeight: number;
      readonly data: Uint8Array;
    }
  /** The file cannot be used: `reason` is for the user. */
  | { readonly type: 'unusable'; readonly id: number; readonly reason: string }
  | { readonly type: 'batch'; readonly id: number; readonly images: Float32Array }
  /** The request failed for another reason: a RunError's diagnostic (an unreadable cache file), or a bug's message. */
  | { readonly type: 'failed'; readonly id: number; readonly message: string; readonly diagnostic?: Diagnostic };

export const VIEW_FIELDS = 5;
