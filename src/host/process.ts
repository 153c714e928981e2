/**
 * Whether a process of this machine is alive, for the lock files that name their holder
 * (a run's run.lock, the image cache's entry locks).
 */
/** Signal 0 tests for existence without sending anything; EPERM means it exists but is not ours. */
export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}
