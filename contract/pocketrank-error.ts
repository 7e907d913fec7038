/** Machine-readable reason attached to every error pocketrank raises. */
export type PocketrankErrorCode =
  | 'invalid_event'
  | 'invalid_argument'
  | 'backend_unavailable'
  | 'model_load_failed'
  | 'catalog_load_failed'
  | 'storage_failed'
  | 'worker_failed'
  | 'closed'
  | 'busy'
  | 'not_allowed'
  | 'internal';

/** The one error type pocketrank throws or rejects with; switch on `code`, not on the message. */
export class PocketrankError extends Error {
  /** Stable identifier of the failure, safe to branch on. */
  readonly code: PocketrankErrorCode;

  /**
   * @param code stable failure identifier
   * @param message human-readable explanation naming the offending input
   */
  constructor(code: PocketrankErrorCode, message: string) {
    super(message);
    this.name = 'PocketrankError';
    this.code = code;
  }
}

/** True when `value` is a PocketrankError, also across bundle copies (the IIFE and ESM builds each have their own class). */
export function isPocketrankError(value: unknown): value is PocketrankError {
  return (
    value instanceof PocketrankError ||
    (value instanceof Error &&
      value.name === 'PocketrankError' &&
      typeof (value as { code?: unknown }).code === 'string')
  );
}
