#!/usr/bin/env node
/**
 * The `upload-presigner` command. `upload-presigner doctor cors --bucket B --origin O` checks that
 * a browser on O can upload to B, and with `--apply` corrects the bucket's CORS rules;
 * `upload-presigner doctor storage --bucket B` probes what the storage enforces on presigned uploads.
 * Credentials and region come from the AWS SDK's usual sources (`AWS_*` variables, profiles).
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { checkBucketCors } from './doctor/check-bucket-cors.js';
import { cleanupSummary, probeStorage, type StorageProbeReport } from './doctor/probe-storage.js';

const USAGE = `Usage: upload-presigner doctor cors --bucket <bucket> --origin <origin> [options]
       upload-presigner doctor storage --bucket <bucket> [--prefix <prefix>] [options]

doctor storage: uploads scratch objects under <prefix> (default upload-presigner-probe/) with
presigned URLs, reports what the storage refuses (signed type and size, unsigned x-amz-* headers,
x-amz-copy-source, If-None-Match, Content-MD5, checksums, expiry, POST policy conditions) and which
upload method is safe there, and deletes every scratch object. Exit status 0 when the probe ran,
whatever it found; 1 when it could not run.

doctor cors: checks that a browser page on <origin> can upload to <bucket>: reads the bucket's CORS rules, sends a
real preflight, and prints what is missing and the corrected rules.

Options:
  --endpoint <url>    an S3-compatible server, e.g. http://127.0.0.1:7480
  --region <region>   default: the AWS SDK's (AWS_REGION, profile)
  --path-style        path-style URLs (most S3-compatible servers)
  --method <PUT|POST> the upload method, default PUT
  --header <name>     a request header the page sends (repeatable), default content-type,
                      content-disposition and if-none-match (what a presigned PUT signs)
  --apply             write the corrected rules to the bucket
  --json              print the report as JSON

Exit status: 0 when uploads are allowed (after --apply), 1 when something is missing, 2 on bad usage.`;

/**
 * Runs the command line `argv` (without `node` and the script) and returns the exit status;
 * output goes to `out` and `err`.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['doctor', 'cors', '--bucket', 'b', '--origin', 'https://app.example.com']);
 * ```
 */
export async function runCli(
  argv: readonly string[],
  out: (line: string) => void = console.log,
  err: (line: string) => void = console.error,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        bucket: { type: 'string' },
        origin: { type: 'string' },
        prefix: { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
        'path-style': { type: 'boolean' },
        method: { type: 'string' },
        header: { type: 'string', multiple: true },
        apply: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const connection = {
    endpoint: values.endpoint,
    region: values.region ?? (values.endpoint ? 'us-east-1' : undefined),
    forcePathStyle: values['path-style'],
  };
  if (positionals.join(' ') === 'doctor storage' && values.bucket) {
    return printProbe(
      await probeStorage({ bucket: values.bucket, prefix: values.prefix, ...connection }).catch(
        (error: Error) => error,
      ),
      values.json,
      out,
      err,
    );
  }
  const method = (values.method ?? 'PUT').toUpperCase();
  if (
    positionals.join(' ') !== 'doctor cors' ||
    !values.bucket ||
    !values.origin ||
    (method !== 'PUT' && method !== 'POST')
  ) {
    err(USAGE);
    return 2;
  }
  const report = await checkBucketCors({
    bucket: values.bucket,
    origin: values.origin,
    method,
    headers: values.header,
    ...connection,
    apply: values.apply,
  });
  if (values.json) {
    out(JSON.stringify(report, null, 2));
    return report.ok ? 0 : 1;
  }
  if (report.problems.length === 0) out(`OK: ${values.origin} can ${method} to ${values.bucket}, and ETag is exposed.`);
  for (const problem of report.problems) out(`✗ ${problem.code}: ${problem.message}`);
  out(
    `Preflight ${report.preflight.url}: ${report.preflight.status}${report.preflight.allowOrigin ? `, allow-origin ${report.preflight.allowOrigin}` : ''}`,
  );
  if (report.applied)
    out(
      report.ok
        ? 'Applied the corrected rules; the preflight now passes.'
        : 'Applied the corrected rules, but the preflight still fails.',
    );
  else if (report.problems.length > 0)
    out(`Corrected rules (write them with --apply):\n${JSON.stringify({ CORSRules: report.correctedRules }, null, 2)}`);
  return report.ok ? 0 : 1;
}

const ENFORCED_LABEL = { true: 'yes', false: 'NO', unknown: '?' } as const;

/** The probe's findings as a table (or JSON); a probe that could not run is the only failure. */
function printProbe(
  report: StorageProbeReport | Error,
  json: boolean | undefined,
  out: (line: string) => void,
  err: (line: string) => void,
): number {
  if (report instanceof Error) {
    err(`upload-presigner: ${report.message}`);
    return 1;
  }
  if (json) {
    out(JSON.stringify(report, null, 2));
    return 0;
  }
  const width = Math.max(...report.cases.map((c) => c.id.length));
  out(`Storage probe of ${report.bucket} (scratch objects under ${report.prefix})\n`);
  out(`${'case'.padEnd(width)}  enforced  evidence`);
  for (const { id, enforced, evidence } of report.cases) {
    const seen =
      [evidence.status, evidence.code].filter(Boolean).join(' ') + (evidence.seen ? ` (${evidence.seen})` : '');
    out(`${id.padEnd(width)}  ${ENFORCED_LABEL[String(enforced) as keyof typeof ENFORCED_LABEL].padEnd(8)}  ${seen}`);
  }
  out(`\n${report.advice}\nCleanup: ${cleanupSummary(report.cleanup)}.`);
  return 0;
}

// Run only as the command, not when imported (tests import runCli).
if (process.argv[1] && /(?:^|[\\/])(?:cli\.[cm]?[jt]s|upload-presigner)$/.test(process.argv[1])) {
  // The SDK's notice that its 2027 releases will need Node 22 is not about this command, which
  // supports Node 20; on stderr it reads as the command's own failure.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runCli(process.argv.slice(2)).then(
    (status) => (process.exitCode = status),
    (error: unknown) => {
      console.error(`upload-presigner: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
