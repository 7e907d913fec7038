import type Database from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS clients (client_id TEXT PRIMARY KEY, identity_key BLOB NOT NULL, pinned_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS used_tickets (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
`;

/**
 * What admission remembers across rounds, in the server's database: the identity key each
 * client id first checked in with (pinned), and the participation tickets already spent (until
 * they expire, after which they would be refused anyway).
 */
export class AdmissionStore {
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
  }

  /** The identity key `clientId` is pinned to, if it ever checked in. */
  pinnedKey(clientId: string): Buffer | undefined {
    const row = this.db.prepare('SELECT identity_key FROM clients WHERE client_id = ?').get(clientId) as
      { identity_key: Buffer } | undefined;
    return row?.identity_key;
  }

  /** Pins (or, for a re-ticketed client, re-pins) `clientId` to `identityKey`. */
  pin(clientId: string, identityKey: Uint8Array, now: number): void {
    this.db
      .prepare(
        'INSERT INTO clients (client_id, identity_key, pinned_at) VALUES (?, ?, ?) ' +
          'ON CONFLICT (client_id) DO UPDATE SET identity_key = excluded.identity_key, pinned_at = excluded.pinned_at',
      )
      .run(clientId, identityKey, now);
  }

  /** Marks a ticket's nonce spent; false when it already was. */
  spendTicket(nonce: string, expiresAt: number): boolean {
    return (
      this.db.prepare('INSERT OR IGNORE INTO used_tickets (nonce, expires_at) VALUES (?, ?)').run(nonce, expiresAt)
        .changes === 1
    );
  }

  /** Forgets spent tickets that have expired (an expired ticket is refused on its own). */
  pruneTickets(now: number): number {
    return this.db.prepare('DELETE FROM used_tickets WHERE expires_at <= ?').run(now).changes;
  }
}
