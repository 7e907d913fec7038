import { z } from 'zod';

/** Base64 (standard alphabet) with a decoded-size cap, so oversized fields fail validation, not memory. */
export const base64 = (maxBytes: number) =>
  z
    .string()
    .max(Math.ceil(maxBytes / 3) * 4 + 4)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

const index = z.number().int().min(1).max(100_000);
const token = z.string().regex(/^[0-9a-f]{64}$/, 'must be the 64-hex-digit round token');
const share = z.object({ x: index, y: z.string().regex(/^[0-9a-f]{1,140}$/, 'must be a hex field element') });

/** POST /v1/checkin: a device asks to join the next round. */
export const CheckIn = z.object({
  clientId: z.string().uuid(),
  identityKey: base64(65),
});

/** POST /v1/rounds/:round/advertise */
export const Advertise = z.object({
  index,
  token,
  cipherPublicKey: base64(65),
  maskPublicKey: base64(65),
  signature: base64(128),
});

/** POST /v1/rounds/:round/shares: sealed share bundles, one per peer. */
export const ShareKeys = z.object({
  index,
  token,
  bundles: z.array(z.object({ to: index, sealed: base64(256) })).max(10_000),
});

/** POST /v1/rounds/:round/masked: the masked, quantized update. */
export const MaskedInput = z.object({
  index,
  token,
  vector: base64(4 * 200_000),
});

/** POST /v1/rounds/:round/consistency: the client's signature over the survivor set it was shown. */
export const Consistency = z.object({
  index,
  token,
  signature: base64(128),
});

/** POST /v1/rounds/:round/unmask */
export const Unmask = z.object({
  index,
  token,
  selfMaskShares: z.array(z.object({ of: index, share })).max(10_000),
  maskKeyShares: z.array(z.object({ of: index, share })).max(10_000),
});

export type CheckInBody = z.infer<typeof CheckIn>;
export type AdvertiseBody = z.infer<typeof Advertise>;
export type ShareKeysBody = z.infer<typeof ShareKeys>;
export type MaskedInputBody = z.infer<typeof MaskedInput>;
export type UnmaskBody = z.infer<typeof Unmask>;
export type ConsistencyBody = z.infer<typeof Consistency>;

export { PHASES, fromBase64, toBase64, type Phase } from './wire-format.js';
