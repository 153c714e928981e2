/** The local launcher's worker environment: thread caps, and the default memory budget for decoded images shared among the workers. */
import { describe, expect, it } from 'vitest';
import { workerEnv } from '../../../../src/runtime/jobs/sweep/local-launcher.js';

describe('local sweep workers', () => {
  it('share the default memory budget for decoded images among the jobs, beside their thread caps', () => {
    expect(workerEnv({ HOME: '/h' }, 2, 4, 8_000_000_003)).toEqual({
      HOME: '/h',
      OMP_NUM_THREADS: '2',
      TF_NUM_INTRAOP_THREADS: '2',
      TF_NUM_INTEROP_THREADS: '1',
      IBC_DATA_MEMORY: '2000000000',
    });
  });

  it("keep the budget the sweep's environment sets (each member gets it whole)", () => {
    expect(workerEnv({ IBC_DATA_MEMORY: '3G' }, 1, 4, 8_000_000_000).IBC_DATA_MEMORY).toBe('3G');
    expect(workerEnv({ IBC_DATA_MEMORY: '' }, 1, 4, 8_000_000_000).IBC_DATA_MEMORY).toBe('2000000000');
  });
});
