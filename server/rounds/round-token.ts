import { createHash, randomBytes } from 'node:crypto';

/** A round token: 32 random bytes, hex; the client's bearer secret for the round. */
export const newToken = (): string => randomBytes(32).toString('hex');

/** What the store keeps of a token: its SHA-256, so a read of the database grants nothing. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
