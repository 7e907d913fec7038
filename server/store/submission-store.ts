import { placeholders } from './round-store.js';
import type { SqlDatabase } from './sql-database.js';

/** One signed key advertisement as stored, with its signer's identity key. */
export interface AdvertisementRow {
  index: number;
  identityKey: Buffer;
  cipherPublicKey: Buffer;
  maskPublicKey: Buffer;
  signature: Buffer;
}

/** A submission table that records one row per client index of a round. */
export type IndexTable =
  'advertisements' | 'share_senders' | 'masked_inputs' | 'consistency_signatures' | 'unmask_responses';

/** ` AND <column> IN (…)` for a neighbourhood, or nothing for everyone. */
const among = (column: string, peers: readonly number[] | undefined) =>
  peers ? ` AND ${column} IN ${placeholders(peers.length)}` : '';

/**
 * What a round's candidates and cohort members submitted, one row per client index: check-ins,
 * seats, key advertisements, sealed share bundles, masked vectors, consistency signatures and
 * unmasking responses. The checks are the caller's (RoundSubmissions); this class only stores.
 */
export class SubmissionStore {
  constructor(private readonly db: SqlDatabase) {}

  /** Whether `clientId` already checked in to the round. */
  async isCandidate(roundId: string, clientId: string): Promise<boolean> {
    return !!(await this.db.get('SELECT 1 AS y FROM candidates WHERE round_id = ? AND client_id = ?', [
      roundId,
      clientId,
    ]));
  }

  /** Adds a candidate as the round's next; the caller holds the round's row lock, which orders the numbers. */
  async insertCandidate(roundId: string, clientId: string, tokenHash: string, identityKey: Uint8Array): Promise<void> {
    await this.db.run(
      'INSERT INTO candidates (round_id, candidate, client_id, token_hash, identity_key) SELECT ?, ' +
        'COALESCE(MAX(candidate), 0) + 1, ?, ?, ? FROM candidates WHERE round_id = ?',
      [roundId, clientId, tokenHash, identityKey, roundId],
    );
  }

  /** The cohort index of the participant holding this token, if it was drawn. */
  async seat(roundId: string, tokenHash: string): Promise<number | undefined> {
    const row = await this.db.get<{ idx: number }>(
      'SELECT idx FROM participants WHERE round_id = ? AND token_hash = ?',
      [roundId, tokenHash],
    );
    return row?.idx;
  }

  /** Whether this token checked in to the round. */
  async isCandidateToken(roundId: string, tokenHash: string): Promise<boolean> {
    return !!(await this.db.get('SELECT 1 AS y FROM candidates WHERE round_id = ? AND token_hash = ?', [
      roundId,
      tokenHash,
    ]));
  }

  /** A cohort member's token hash and identity key. */
  participant(roundId: string, index: number): Promise<{ token_hash: string; identity_key: Buffer } | undefined> {
    return this.db.get('SELECT token_hash, identity_key FROM participants WHERE round_id = ? AND idx = ?', [
      roundId,
      index,
    ]);
  }

  /** Whether `index` has a row in `table`. */
  async has(table: IndexTable, roundId: string, index: number): Promise<boolean> {
    return !!(await this.db.get(`SELECT 1 AS y FROM ${table} WHERE round_id = ? AND idx = ?`, [roundId, index]));
  }

  async insertAdvertisement(
    roundId: string,
    index: number,
    keys: { cipher: Uint8Array; mask: Uint8Array; signature: Uint8Array; identityKey: Uint8Array },
  ): Promise<void> {
    await this.db.run(
      'INSERT INTO advertisements (round_id, idx, cipher_pk, mask_pk, signature, identity_key) VALUES (?, ?, ?, ?, ?, ?)',
      [roundId, index, keys.cipher, keys.mask, keys.signature, keys.identityKey],
    );
  }

  /** Signed advertisements, of everyone or of `peers` only, ascending by index. */
  advertisements(roundId: string, peers?: readonly number[]): Promise<AdvertisementRow[]> {
    return this.db.all(
      'SELECT a.idx AS "index", COALESCE(a.identity_key, p.identity_key) AS "identityKey", a.cipher_pk AS ' +
        '"cipherPublicKey", a.mask_pk AS "maskPublicKey", a.signature FROM advertisements a LEFT JOIN participants p ' +
        `ON p.round_id = a.round_id AND p.idx = a.idx WHERE a.round_id = ?${among('a.idx', peers)} ORDER BY a.idx`,
      [roundId, ...(peers ?? [])],
    );
  }

  /** Stores one client's sealed bundles and marks it a key sharer. */
  async insertShares(roundId: string, from: number, bundles: { to: number; sealed: Uint8Array }[]): Promise<void> {
    for (let start = 0; start < bundles.length; start += 1_000) {
      const slice = bundles.slice(start, start + 1_000);
      await this.db.run(
        `INSERT INTO share_bundles (round_id, from_idx, to_idx, sealed) VALUES ${slice.map(() => '(?, ?, ?, ?)').join(', ')}`,
        slice.flatMap((b) => [roundId, from, b.to, b.sealed]),
      );
    }
    await this.db.run('INSERT INTO share_senders (round_id, idx) VALUES (?, ?)', [roundId, from]);
  }

  /** Bundles addressed to `index` from clients that completed key sharing. */
  bundlesFor(roundId: string, index: number): Promise<{ from: number; sealed: Buffer }[]> {
    return this.db.all(
      'SELECT b.from_idx AS "from", b.sealed FROM share_bundles b JOIN share_senders s ON s.round_id = ' +
        'b.round_id AND s.idx = b.from_idx WHERE b.round_id = ? AND b.to_idx = ? ORDER BY b.from_idx',
      [roundId, index],
    );
  }

  async insertMaskedInput(roundId: string, index: number, vector: Uint8Array): Promise<void> {
    await this.db.run('INSERT INTO masked_inputs (round_id, idx, vector) VALUES (?, ?, ?)', [roundId, index, vector]);
  }

  /** One survivor's masked vector (read one at a time: a large cohort's uploads are gigabytes). */
  async maskedInput(roundId: string, index: number): Promise<Buffer | undefined> {
    const row = await this.db.get<{ vector: Buffer }>(
      'SELECT vector FROM masked_inputs WHERE round_id = ? AND idx = ?',
      [roundId, index],
    );
    return row?.vector;
  }

  async insertSignature(roundId: string, index: number, signature: Uint8Array): Promise<void> {
    await this.db.run('INSERT INTO consistency_signatures (round_id, idx, signature) VALUES (?, ?, ?)', [
      roundId,
      index,
      signature,
    ]);
  }

  /** Consistency signatures, of everyone or of `peers` only. */
  signatures(roundId: string, peers?: readonly number[]): Promise<{ index: number; signature: Buffer }[]> {
    return this.db.all(
      `SELECT idx AS "index", signature FROM consistency_signatures WHERE round_id = ?${among('idx', peers)} ORDER BY idx`,
      [roundId, ...(peers ?? [])],
    );
  }

  async insertUnmaskResponse(roundId: string, index: number, body: string): Promise<void> {
    await this.db.run('INSERT INTO unmask_responses (round_id, idx, body) VALUES (?, ?, ?)', [roundId, index, body]);
  }

  unmaskResponses(roundId: string): Promise<{ idx: number; body: string }[]> {
    return this.db.all('SELECT idx, body FROM unmask_responses WHERE round_id = ?', [roundId]);
  }

  /** The public keys of every advertisement of the round. */
  advertisedKeys(roundId: string): Promise<{ idx: number; cipher_pk: Buffer; mask_pk: Buffer }[]> {
    return this.db.all('SELECT idx, cipher_pk, mask_pk FROM advertisements WHERE round_id = ?', [roundId]);
  }
}
