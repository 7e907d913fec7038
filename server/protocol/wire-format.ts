// Shared by the server and the browser client without pulling zod into the worker bundle.

/** Phases of a round, in order; a round only moves forward (or to aborted/done). */
export const PHASES = ['checkin', 'advertise', 'share', 'mask', 'consistency', 'unmask', 'done', 'aborted'] as const;
export type Phase = (typeof PHASES)[number];

/** Bytes <-> base64 without Node's Buffer, so the browser client shares this file. */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Decodes base64 to bytes. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
