import type { SqlDatabase } from '../../server/store/sql-database.js';

/**
 * Copies every row inserted into `table` into `seen_<table>` as it is inserted: a finished
 * round's uploads are purged, and tests look at what the server held meanwhile. SQLite: a
 * temporary trigger on its one connection; PostgreSQL: a trigger function in the test's database.
 */
export async function keepInserts(db: SqlDatabase, table: string, columns: readonly string[]): Promise<void> {
  const seen = `seen_${table}`;
  if (db.dialect === 'sqlite')
    await db.exec(
      `CREATE TEMP TABLE ${seen} AS SELECT ${columns.join(', ')} FROM main.${table} WHERE 0;
       CREATE TEMP TRIGGER keep_${table} AFTER INSERT ON main.${table} BEGIN INSERT INTO ${seen} VALUES
       (${columns.map((c) => `new.${c}`).join(', ')}); END;`,
    );
  else
    await db.exec(
      `CREATE TABLE ${seen} AS SELECT ${columns.join(', ')} FROM ${table} WHERE false;
       CREATE FUNCTION keep_${table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
       INSERT INTO ${seen} VALUES (${columns.map((c) => `NEW.${c}`).join(', ')}); RETURN NEW; END $$;
       CREATE TRIGGER keep_${table} AFTER INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION keep_${table}();`,
    );
}
