/** A request the server refuses; `status` is the HTTP status, `message` says why in plain words. */
export class ProtocolError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 410 | 413,
    message: string,
    /** Machine-readable reason where a client acts on it: `duplicate` means "already stored, nothing changed". */
    readonly code?: 'duplicate',
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}
