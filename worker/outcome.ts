import { isPocketrankError } from '../contract/pocketrank-error.js';
import type { Outcome } from '../contract/worker-protocol.js';

/** Runs an engine operation and turns any failure into a typed Outcome for the client to rethrow. */
export async function outcome<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    if (isPocketrankError(error)) return { ok: false, code: error.code, message: error.message };
    return {
      ok: false,
      code: 'internal',
      message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    };
  }
}
