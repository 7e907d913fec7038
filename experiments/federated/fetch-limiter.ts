import { Slots } from './slots.js';

/** Bytes sent (request bodies) and received (response bodies, as their Content-Length says). */
export interface FetchTraffic {
  up: number;
  down: number;
}

const bodyBytes = (body: RequestInit['body']): number =>
  typeof body === 'string'
    ? Buffer.byteLength(body)
    : body instanceof ArrayBuffer || ArrayBuffer.isView(body)
      ? body.byteLength
      : 0;

/**
 * Caps the requests in flight from this process's `fetch`: thousands of in-process simulated
 * clients would otherwise open a socket each at once (plus the server's end of each) and run out
 * of file descriptors (EMFILE), as a real population spread over many machines never does.
 * Requests past the cap wait their turn; returns a function that restores the original `fetch`.
 * Requests the server may hold (long polls, `wait=` in the query) take slots of their own
 * (`maxHeld`): thousands of clients waiting on a phase would otherwise fill every slot and leave
 * none for the submissions that move the phase. With `traffic`, counts the bytes each way.
 */
export function limitFetch(maxInFlight: number, maxHeld = maxInFlight, traffic?: FetchTraffic): () => void {
  const original = globalThis.fetch;
  const slots = new Slots(maxInFlight);
  const held = new Slots(maxHeld);
  globalThis.fetch = async (...args: Parameters<typeof fetch>) => {
    const input = args[0];
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const pool = /[?&]wait=/.test(url) ? held : slots;
    await pool.acquire();
    try {
      const response = await original(...args);
      if (traffic) {
        traffic.up += bodyBytes(args[1]?.body);
        traffic.down += Number(response.headers.get('content-length') ?? 0);
      }
      return response;
    } finally {
      pool.release();
    }
  };
  return () => {
    globalThis.fetch = original;
  };
}
