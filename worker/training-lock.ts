import { PocketrankError } from '../contract/pocketrank-error.js';

/**
 * Runs `fn` holding the device-wide training lock of one database (Web Locks), so two tabs of
 * a shop never train the same model at once; the second gets `busy` instead of waiting.
 */
export async function withTrainingLock<T>(lockName: string, fn: () => Promise<T>): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) return fn();
  return locks.request(lockName, { ifAvailable: true }, async (lock) => {
    if (!lock) throw new PocketrankError('busy', 'another tab is training this model on the device right now');
    return fn();
  });
}
