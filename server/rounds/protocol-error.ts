import type { RefusalCode } from '../../protocol/responses.js';

/** A request the server refuses; `status` is the HTTP status, `message` says why in plain words. */
export class ProtocolError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413,
    message: string,
    /** Machine-readable reason where a client acts on it (see RefusalCode). */
    readonly code?: RefusalCode,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}
