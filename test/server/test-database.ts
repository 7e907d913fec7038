import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { StoreLocation } from '../../server/store/round-store.js';

/**
 * The database a test server uses: SQLite in memory, or, when POCKETRANK_TEST_POSTGRES names a
 * PostgreSQL server (`npm run test:postgres` starts a throwaway one), a fresh database on it that
 * `drop` removes. The server suite runs unchanged against both.
 */
export async function testDatabase(): Promise<{ location: StoreLocation; drop: () => Promise<void> }> {
  const admin = process.env.POCKETRANK_TEST_POSTGRES;
  if (!admin) return { location: { dataDir: ':memory:' }, drop: async () => undefined };
  const name = `pocketrank_test_${randomUUID().replace(/-/g, '')}`;
  await onAdmin(admin, `CREATE DATABASE ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    location: { dataDir: ':memory:', database: url.toString() },
    drop: () => onAdmin(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function onAdmin(url: string, sql: string): Promise<void> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const byDataDir = new Map<string, ReturnType<typeof testDatabase>>();

/**
 * The storage flags of a spawned server process: `--data-dir dir`, plus, against PostgreSQL,
 * `--database` of one test database per `dataDir` (so a restarted process finds its state).
 */
export async function storageFlags(dataDir: string): Promise<string[]> {
  if (!process.env.POCKETRANK_TEST_POSTGRES) return ['--data-dir', dataDir];
  let database = byDataDir.get(dataDir);
  if (!database) byDataDir.set(dataDir, (database = testDatabase()));
  return ['--data-dir', dataDir, '--database', (await database).location.database!];
}

/** Drops the databases storageFlags made (call after the file's processes have stopped). */
export async function dropTestDatabases(): Promise<void> {
  for (const database of byDataDir.values()) await (await database).drop();
  byDataDir.clear();
}
