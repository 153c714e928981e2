/** --data-memory and IBC_DATA_MEMORY: sizes as people write them; a value that is not one is a usage error. IBC_DATA_WORKERS likewise. */
import { describe, expect, it } from 'vitest';
import { UsageError, type CliIO } from '../../src/cli/command.js';
import { dataImageOptions } from '../../src/cli/data-options.js';
import { parseMemorySize } from '../../src/runtime/data/images/memory-size.js';

const io: CliIO = { stdout: () => {}, stderr: () => {}, isTTY: false, cwd: '/projects/x' };

describe('data options', () => {
  it('reads memory sizes in bytes, K, M, G and T (powers of 1024), with or without B or iB', () => {
    expect(['3000000', '512M', '512 mb', '4G', '4GiB', '2.5GB', '1k', '1T', '0', '10b'].map(parseMemorySize)).toEqual([
      3000000, 512 * 2 ** 20, 512 * 2 ** 20, 4 * 2 ** 30, 4 * 2 ** 30, 2.5 * 2 ** 30, 1024, 2 ** 40, 0, 10,
    ]);
    for (const bad of ['lots', '', '-1G', '4X', 'G4', '1e9']) expect(parseMemorySize(bad), bad).toBeUndefined();
  });

  it('takes the flags first, then IBC_DATA_MEMORY and IBC_DATA_WORKERS; a relative cache folder is resolved, off stays off', () => {
    expect(dataImageOptions({ dataCache: 'cache', dataMemory: 5, dataWorkers: 3 }, io, { IBC_DATA_MEMORY: '1G' })).toEqual({ cache: '/projects/x/cache', memoryBudget: 5, workers: 3 });
    expect(dataImageOptions({ dataCache: 'off' }, io, { IBC_DATA_MEMORY: '1G' })).toEqual({ cache: 'off', memoryBudget: 2 ** 30 });
    expect(dataImageOptions({}, io, {})).toEqual({});
    expect(() => dataImageOptions({}, io, { IBC_DATA_MEMORY: 'lots' })).toThrow(UsageError);
    expect(dataImageOptions({}, io, { IBC_DATA_WORKERS: '3' })).toEqual({ workers: 3 });
    expect(dataImageOptions({ dataWorkers: 2 }, io, { IBC_DATA_WORKERS: '3' })).toEqual({ workers: 2 });
    for (const bad of ['0', 'two', '1.5']) expect(() => dataImageOptions({}, io, { IBC_DATA_WORKERS: bad }), bad).toThrow(UsageError);
  });
});
