/** The local launcher's worker environment: thread caps, the default memory budget for decoded images shared among the workers, data worker threads. */
import { describe, expect, it } from 'vitest';
import { workerEnv } from '../../../../src/runtime/jobs/sweep/local-launcher.js';

describe('local sweep workers', () => {
  it('share the default memory budget for decoded images among the jobs, and get as many data workers as compute threads', () => {
    expect(workerEnv({ HOME: '/h' }, 2, 4, 8_000_000_003)).toEqual({
      HOME: '/h',
      OMP_NUM_THREADS: '2',
      TF_NUM_INTRAOP_THREADS: '2',
      TF_NUM_INTEROP_THREADS: '1',
      IBC_DATA_MEMORY: '2000000000',
      IBC_DATA_WORKERS: '2',
    });
  });

  it("keep the budget and data workers the sweep's environment sets (each member gets them whole)", () => {
    expect(workerEnv({ IBC_DATA_MEMORY: '3G', IBC_DATA_WORKERS: '5' }, 1, 4, 8_000_000_000)).toMatchObject({ IBC_DATA_MEMORY: '3G', IBC_DATA_WORKERS: '5' });
    expect(workerEnv({ IBC_DATA_MEMORY: '' }, 1, 4, 8_000_000_000).IBC_DATA_MEMORY).toBe('2000000000');
  });
});
