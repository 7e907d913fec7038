import type { SqlDatabase } from './sql-database.js';

/**
 * What admission remembers across rounds, in the server's database: the identity key each
 * client id first checked in with (pinned), and the participation tickets already spent (until
 * they expire, after which they would be refused anyway).
 */
export class AdmissionStore {
  constructor(private readonly db: SqlDatabase) {}

  /** The identity key `clientId` is pinned to, if it ever checked in. */
  async pinnedKey(clientId: string): Promise<Buffer | undefined> {
    const row = await this.db.get<{ identity_key: Buffer }>('SELECT identity_key FROM clients WHERE client_id = ?', [
      clientId,
    ]);
    return row?.identity_key;
  }

  /** Pins (or, for a re-ticketed client, re-pins) `clientId` to `identityKey`. */
  async pin(clientId: string, identityKey: Uint8Array, now: number): Promise<void> {
    await this.db.run(
      'INSERT INTO clients (client_id, identity_key, pinned_at) VALUES (?, ?, ?) ' +
        'ON CONFLICT (client_id) DO UPDATE SET identity_key = excluded.identity_key, pinned_at = excluded.pinned_at',
      [clientId, identityKey, now],
    );
  }

  /** Marks a ticket's nonce spent; false when it already was. */
  async spendTicket(nonce: string, expiresAt: number): Promise<boolean> {
    const changed = await this.db.run(
      'INSERT INTO used_tickets (nonce, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING',
      [nonce, expiresAt],
    );
    return changed === 1;
  }

  /** Forgets spent tickets that have expired (an expired ticket is refused on its own). */
  pruneTickets(now: number): Promise<number> {
    return this.db.run('DELETE FROM used_tickets WHERE expires_at <= ?', [now]);
  }
}
