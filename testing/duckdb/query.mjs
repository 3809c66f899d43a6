// query.mjs runs one SQL statement in an in-memory DuckDB and prints the
// result rows as a JSON array of objects on stdout. The statement is read from
// the first argument or, without one, from stdin. Values are converted with
// DuckDB's JSON conversion: BIGINT, HUGEINT and DECIMAL become strings (so
// that no precision is lost), BLOB an escaped string, TIMESTAMP WITH TIME ZONE
// a string such as "2026-11-22 01:02:03.456+00".
import { DuckDBInstance } from '@duckdb/node-api';

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

const sql = process.argv.length > 2 ? process.argv[2] : await readStdin();
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
try {
  const reader = await conn.runAndReadAll(sql);
  process.stdout.write(JSON.stringify(reader.getRowObjectsJson()));
} catch (err) {
  process.stderr.write(`${err.message}\n`);
  process.exitCode = 1;
} finally {
  conn.closeSync();
  instance.closeSync();
}
