/**
 * Takes the Web Lock `name` until this worker ends and resolves once it holds it: the page requests
 * the same lock, granted only when the worker is gone. False where Web Locks are missing or denied.
 */
export async function holdLifeLock(name: string): Promise<boolean> {
  if (typeof navigator === 'undefined' || !navigator.locks) return false;
  try {
    return await new Promise<boolean>((resolve, reject) => {
      navigator.locks
        .request(name, () => {
          resolve(true);
          // Held until the worker ends: the lock frees only when this context is gone.
          return new Promise<never>(() => undefined);
        })
        .catch(reject);
    });
  } catch {
    return false; // Web Locks denied (an opaque origin)
  }
}
