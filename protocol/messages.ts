import { z } from 'zod';

/** Canonical padded base64: what toBase64 writes, and all that atob decodes without throwing. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Bytes a canonical base64 string decodes to. */
const decodedBytes = (text: string) => (text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);

/**
 * Base64 (standard alphabet, padded) of at most `maxBytes`, or of exactly `exactBytes` when given:
 * an oversized field fails validation, not memory, and a field that passes always decodes.
 */
export const base64 = (maxBytes: number, exactBytes?: number) =>
  z
    .string()
    .max(Math.ceil(maxBytes / 3) * 4)
    .regex(BASE64, 'must be base64')
    .refine((text) => exactBytes === undefined || decodedBytes(text) === exactBytes, {
      message: `must decode to ${exactBytes} bytes`,
    });

/** An uncompressed P-256 point (0x04 || x || y); whether it is on the curve is checked by the server. */
const p256Point = base64(65, 65);
/** An ECDSA P-256 signature as WebCrypto writes it (r || s). */
const p256Signature = base64(64, 64);

const index = z.number().int().min(1).max(100_000);
const token = z.string().regex(/^[0-9a-f]{64}$/, 'must be the 64-hex-digit round token');
const share = z.object({ x: index, y: z.string().regex(/^[0-9a-f]{1,140}$/, 'must be a hex field element') });

const name = z.string().regex(/^[\w.-]{1,64}$/, "must be 1 to 64 letters, digits, '.', '_' or '-'");

/** What an analytics check-in reports: one experiment's counters for one finished period. */
export const AnalyticsTarget = z.object({
  experiment: name,
  /** The reporting period: UTC days since the epoch. */
  period: z.number().int().min(0).max(1_000_000),
  /** The experiment's arms in vector order (one block of counters each). */
  arms: z
    .array(name)
    .min(2)
    .max(16)
    .refine((arms) => new Set(arms).size === arms.length, { message: 'arm names must be unique' }),
  /** ISO 4217 code of the currency the counters' revenue is in; absent, they carry no revenue fields. */
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code')
    .optional(),
});

/** POST /v1/checkin: a device asks to join the next round (a model round, or with `analytics` an analytics round). */
export const CheckIn = z.object({
  clientId: z.string().uuid(),
  identityKey: p256Point,
  /** The shop's participation ticket for this client id (see participation-ticket.ts). */
  ticket: z.string().max(2048).optional(),
  analytics: AnalyticsTarget.optional(),
});

/** POST /v1/rounds/:round/advertise */
export const Advertise = z.object({
  index,
  token,
  cipherPublicKey: p256Point,
  maskPublicKey: p256Point,
  signature: p256Signature,
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
  signature: p256Signature,
});

/** POST /v1/rounds/:round/unmask */
export const Unmask = z.object({
  index,
  token,
  selfMaskShares: z.array(z.object({ of: index, share })).max(10_000),
  maskKeyShares: z.array(z.object({ of: index, share })).max(10_000),
});

export type CheckInBody = z.infer<typeof CheckIn>;
export type AnalyticsTargetBody = z.infer<typeof AnalyticsTarget>;
export type AdvertiseBody = z.infer<typeof Advertise>;
export type ShareKeysBody = z.infer<typeof ShareKeys>;
export type MaskedInputBody = z.infer<typeof MaskedInput>;
export type UnmaskBody = z.infer<typeof Unmask>;
export type ConsistencyBody = z.infer<typeof Consistency>;

export { PHASES, fromBase64, toBase64, type Phase } from './wire-format.js';
