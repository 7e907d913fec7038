/** A request the server refuses; `status` is the HTTP status, `message` says why in plain words. */
export class ProtocolError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 410 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}
