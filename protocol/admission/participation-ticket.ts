/**
 * Participation tickets: the shop's own backend, which knows its logged-in and cookie-identified
 * shoppers, vouches for one device by signing its client id, the shop and an expiry with a key it
 * shares with the federation server; the server admits only ticketed check-ins, each ticket once.
 * HMAC-SHA256 through WebCrypto, so the shop side runs in Node, Deno, Workers or a browser.
 *
 * Wire form: `pt1.<claims, base64url JSON>.<HMAC-SHA256 of "pt1." + claims, base64url>`.
 */

import { fromBase64url, toBase64url } from '../base64url.js';

/** What a ticket says. */
export interface TicketClaims {
  /** The device's client id (the SDK's random id, no user data). */
  clientId: string;
  /** The shop (deployment) the ticket admits to. */
  shop: string;
  /** Expiry, ms since the epoch. */
  expiresAt: number;
  /** Random, so a ticket is used once: the server remembers nonces until they expire. */
  nonce: string;
}

/** Why a ticket was refused. */
export class TicketError extends Error {
  override name = 'TicketError';
}

/** The longest lifetime a ticket may claim: a leaked ticket is worth little for long. */
export const MAX_TICKET_TTL_MS = 60 * 60 * 1000;
const PREFIX = 'pt1.';
const encoder = new TextEncoder();

function fromB64url(text: string): Uint8Array<ArrayBuffer> {
  try {
    return fromBase64url(text);
  } catch {
    throw new TicketError('ticket is not base64url');
  }
}

/** Imports the shared per-shop secret (at least 32 random bytes) for signing and checking tickets. */
export async function ticketKey(secret: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  if (secret.length < 32) throw new RangeError('a ticket key needs at least 32 bytes of secret');
  return crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

/** Signs a ticket admitting `clientId` to `shop` for `ttlMs` (at most an hour). For the shop's backend. */
export async function issueTicket(
  key: CryptoKey,
  claims: { clientId: string; shop: string; ttlMs: number; now?: number },
): Promise<string> {
  if (!(claims.ttlMs > 0 && claims.ttlMs <= MAX_TICKET_TTL_MS))
    throw new RangeError(`ttlMs must be in (0, ${MAX_TICKET_TTL_MS}]`);
  const body: TicketClaims = {
    clientId: claims.clientId,
    shop: claims.shop,
    expiresAt: (claims.now ?? Date.now()) + claims.ttlMs,
    nonce: toBase64url(crypto.getRandomValues(new Uint8Array(16))),
  };
  const payload = PREFIX + toBase64url(encoder.encode(JSON.stringify(body)));
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(payload)));
  return `${payload}.${toBase64url(mac)}`;
}

/**
 * Checks a ticket's MAC (in constant time, by WebCrypto), its shop, its client id and its expiry;
 * returns its claims or throws a TicketError saying which check failed. Single use is the
 * caller's part (it alone knows which nonces were spent).
 */
export async function verifyTicket(
  key: CryptoKey,
  ticket: string,
  expected: { clientId: string; shop: string; now?: number },
): Promise<TicketClaims> {
  const parts = ticket.split('.');
  if (parts.length !== 3 || `${parts[0]}.` !== PREFIX) throw new TicketError('ticket is not a pt1 ticket');
  const payload = `${parts[0]}.${parts[1]}`;
  if (!(await crypto.subtle.verify('HMAC', key, fromB64url(parts[2]!), encoder.encode(payload))))
    throw new TicketError("ticket's signature does not verify with this shop's key");
  let claims: TicketClaims;
  try {
    claims = JSON.parse(new TextDecoder().decode(fromB64url(parts[1]!))) as TicketClaims;
  } catch {
    throw new TicketError("ticket's claims are not JSON");
  }
  const now = expected.now ?? Date.now();
  if (claims.shop !== expected.shop) throw new TicketError('ticket is for another shop');
  if (claims.clientId !== expected.clientId) throw new TicketError('ticket is for another client id');
  if (!(typeof claims.expiresAt === 'number' && claims.expiresAt > now)) throw new TicketError('ticket has expired');
  if (claims.expiresAt - now > MAX_TICKET_TTL_MS) throw new TicketError('ticket claims a lifetime over an hour');
  if (typeof claims.nonce !== 'string' || claims.nonce.length < 16) throw new TicketError('ticket has no nonce');
  return claims;
}
