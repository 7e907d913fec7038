/**
 * Caps the requests in flight from this process's `fetch`: thousands of in-process simulated
 * clients would otherwise open a socket each at once (plus the server's end of each) and run out
 * of file descriptors (EMFILE), as a real population spread over many machines never does.
 * Requests past the cap wait their turn; returns a function that restores the original `fetch`.
 */
export function limitFetch(maxInFlight: number): () => void {
  const original = globalThis.fetch;
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
    // A finished request hands its slot straight to the next in line, so the count never
    // depends on the order in which the waiter and a newcomer resume.
    if (inFlight >= maxInFlight) await new Promise<void>((resolve) => waiting.push(resolve));
    else inFlight++;
    try {
      return await original(...args);
    } finally {
      const next = waiting.shift();
      if (next) next();
      else inFlight--;
    }
  };
  return () => {
    globalThis.fetch = original;
  };
}
