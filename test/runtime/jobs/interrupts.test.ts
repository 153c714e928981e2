/**
 * The interrupt watch of a training job: the first signal asks to stop, a second one stops at
 * once with the shell's status for it. Signals are emitted to the process's listeners (no real
 * signal: test/cli/interrupts.test.ts sends those to a real ibc).
 */
import { describe, expect, it } from 'vitest';
import { exitStatusOf, watchInterrupts, type InterruptSignal } from '../../../src/runtime/jobs/interrupts.js';

describe('watchInterrupts', () => {
  it('exit statuses are 128 + the signal number', () => {
    expect([exitStatusOf('SIGINT'), exitStatusOf('SIGTERM'), exitStatusOf('SIGUSR1')]).toEqual([130, 143, 138]);
  });

  it('the first signal is recorded and reported; a second one cleans up and exits with its own status', () => {
    const events: string[] = [];
    const before = process.listenerCount('SIGINT');
    const watch = watchInterrupts({
      onFirst: (signal) => events.push(`first ${signal}`),
      onForce: (signal, status) => events.push(`force ${signal} ${status}`),
      exit: (status) => events.push(`exit ${status}`),
    });
    try {
      expect(watch.received()).toBeUndefined();
      process.emit('SIGTERM');
      expect(watch.received()).toBe<InterruptSignal>('SIGTERM');
      expect(events).toEqual(['first SIGTERM']);
      process.emit('SIGINT');
      expect(events).toEqual(['first SIGTERM', 'force SIGINT 130', 'exit 130']);
      expect(watch.received()).toBe('SIGTERM');
    } finally {
      watch.dispose();
    }
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
