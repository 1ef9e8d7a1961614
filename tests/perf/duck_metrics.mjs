// Copied from the project's shared peer benchmarks (bench/duck_metrics.mjs) so that the
// repository does not read outside itself; unchanged below this note. See tests/perf/README.md.
// duck_metrics.mjs FILE THREADS: DuckDB read_csv + the grouped metrics libiv computes, end to end.
import { DuckDBInstance } from '@duckdb/node-api';
const [file, threads = '2'] = process.argv.slice(2);
const inst = await DuckDBInstance.create(':memory:', { threads });
const con = await inst.connect();
const sql = `SELECT channel, type, stage, count(*) AS n, count(DISTINCT contact) AS contacts,
  sum(cost) AS cost, sum(value) AS value, sum(cost)/count(*) AS cpt, (sum(value)-sum(cost))/sum(cost) AS roi
  FROM read_csv('${file}', header=true, columns={'contact':'VARCHAR','ts':'TIMESTAMP','channel':'VARCHAR',
   'type':'VARCHAR','stage':'VARCHAR','cost':'DOUBLE','value':'DOUBLE'})
  GROUP BY ALL ORDER BY ALL`;
const t0 = process.hrtime.bigint();
const rows = (await con.runAndReadAll(sql)).getRows();
console.log(JSON.stringify({ groups: rows.length, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
