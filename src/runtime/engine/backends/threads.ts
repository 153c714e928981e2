/**
 * How many threads a backend computes with: part of a run's identity, since
 * a reduction split over another number of threads rounds differently. The
 * native kernels (OpenMP) and tfjs-node (TensorFlow's intra-op pool) read
 * their count from the environment when they load, so `--threads N` sets it
 * before the backend is chosen; TF.js's JavaScript CPU backend computes on one
 * thread, and a GPU's thread count is not a setting (null).
 */
import { availableParallelism } from 'node:os';
import { loadAddon } from './native/addon.js';

/** Whether a backend's results depend on a host thread count. */
export function threadsMatter(backend: string): boolean {
  return backend === 'ibc-native' || backend === 'tensorflow';
}

/** The threads `backend` computes with now (after it was chosen), or null where that is not a host setting. */
export function backendThreads(backend: string, env: Readonly<Record<string, string | undefined>> = process.env): number | null {
  switch (backend) {
    case 'ibc-native': {
      const loaded = loadAddon();
      return loaded.ok ? loaded.addon.info().threads : null;
    }
    case 'tensorflow': {
      const asked = Number(env['TF_NUM_INTRAOP_THREADS']);
      return Number.isInteger(asked) && asked > 0 ? asked : availableParallelism();
    }
    case 'cpu':
      return 1;
    default:
      return null;
  }
}

/** The environment that makes the native kernels and tfjs-node compute with `threads` threads (set before either loads). */
export function threadEnv(threads: number): Record<string, string> {
  const t = String(threads);
  return { OMP_NUM_THREADS: t, TF_NUM_INTRAOP_THREADS: t, TF_NUM_INTEROP_THREADS: '1' };
}
