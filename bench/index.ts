/**
 * `npm run bench` — issue #7's benchmark, in one run:
 *   1. presign throughput (ours vs getSignedUrl, SignatureV4.presign, bare node:crypto; PUT and POST)
 *   2. Lambda cold start (what the CDK and SAM examples deploy vs a naive client-s3 + getSignedUrl handler)
 *   3. HTTP endpoint under load (fetch and Express adapters vs a naive Express + getSignedUrl)
 *   4. uploads from Chromium to Ceph RGW (raw PUT, uploadFile, Uppy), 64 MiB and, with BENCH_UPLOAD_GIB=1, 1 GiB
 *   5. hashing before upload (MB/s per algorithm beside reading only; BENCH_HASH_GIB=1 adds 1 GiB) and presign with a digest
 *   6. signing speed per server runtime (Node 20/22/24, Bun, Deno, workerd) beside getSignedUrl in the same runtime
 * then a table of the goals. BENCH_SECTIONS=1,3 runs a subset; see each file for its knobs.
 */
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { runColdStart } from './coldstart.js';
import { runHash } from './hash.js';
import { runHttp } from './http.js';
import { runPresign } from './presign.js';
import { runRuntimes } from './runtimes.js';
import { runUpload } from './upload.js';
import { table, type Goal } from './stats.js';

// The SDK's notice that versions from 2027 on need Node 22: known, and noise in the tables.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (!`${warning.name} ${warning.message}`.includes('NodeVersionSupportWarning')) console.warn(warning);
});

const sections = new Set((process.env.BENCH_SECTIONS ?? '1,2,3,4,5,6').split(',').map((s) => s.trim()));
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const started = performance.now();

console.log(`upload-presigner benchmark — ${new Date().toISOString()}`);
console.log(
  `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM (${(freemem() / 2 ** 30).toFixed(1)} free)`,
);
console.log(`load average at start (1/5/15 min): ${load()}`);

const goals: Goal[] = [];
if (sections.has('1')) goals.push(...(await runPresign()));
if (sections.has('2')) goals.push(...(await runColdStart()));
if (sections.has('3')) goals.push(...(await runHttp()));
if (sections.has('4')) goals.push(...(await runUpload()));
if (sections.has('5')) goals.push(...(await runHash()));
if (sections.has('6')) goals.push(...(await runRuntimes()));

table(
  '=== Goals ===',
  ['goal', 'measured', 'target', 'met'],
  goals.map((g) => [g.name, g.measured, g.goal, g.met ? 'yes' : 'NO']),
);
console.log(
  `\nload average at end (1/5/15 min): ${load()}; run took ${((performance.now() - started) / 1000).toFixed(0)} s`,
);
