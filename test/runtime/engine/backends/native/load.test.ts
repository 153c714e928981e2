import { describe, expect, it } from 'vitest';
import { loadAddon } from '../../../../../src/runtime/engine/backends/native/addon.js';

describe('loading the native addon', () => {
  it('a missing addon is a reason that says how to fix it, not an exception', () => {
    const result = loadAddon('/nonexistent/ibc_native.node');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain('/nonexistent/ibc_native.node is missing');
      expect(result.reason).toContain('apt-get install -y libdnnl-dev && npm run build:native');
    }
  });

  it('a file that is not an addon is a reason too', () => {
    const result = loadAddon(new URL('./load.test.ts', import.meta.url).pathname);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/failed to load .*npm run build:native/);
  });
});
