/**
 * A stored BLOB as its own bytes: better-sqlite3 returns Buffers that may be views into a shared
 * pool, which WebCrypto and typed-array views over `.buffer` must not see past.
 */
export const blobBytes = (b: Buffer): Uint8Array<ArrayBuffer> =>
  new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)) as Uint8Array<ArrayBuffer>;
