import { Slots } from './slots.js';

/**
 * Caps the requests in flight from this process's `fetch`: thousands of in-process simulated
 * clients would otherwise open a socket each at once (plus the server's end of each) and run out
 * of file descriptors (EMFILE), as a real population spread over many machines never does.
 * Requests past the cap wait their turn; returns a function that restores the original `fetch`.
 */
export function limitFetch(maxInFlight: number): () => void {
  const original = globalThis.fetch;
  const slots = new Slots(maxInFlight);
  globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
    await slots.acquire();
    try {
      return await original(...args);
    } finally {
      slots.release();
    }
  };
  return () => {
    globalThis.fetch = original;
  };
}
