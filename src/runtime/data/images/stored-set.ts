/** A store of images made known to the data pool, ready for batches. */
import type { ImagePool } from './pool.js';
import type { ImageStore } from './store.js';

export interface StoredSet {
  readonly store: ImageStore;
  readonly pool: ImagePool;
  /** The pool's feed id for this store (pool.attach). */
  readonly feed: number;
  /** The folder the images came from, for messages. */
  readonly source: string;
}
