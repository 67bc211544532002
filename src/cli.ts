#!/usr/bin/env node
/**
 * The `upload-presigner` command. `upload-presigner doctor cors --bucket B --origin O` checks that
 * a browser on O can upload to B, and with `--apply` corrects the bucket's CORS rules.
 * Credentials and region come from the AWS SDK's usual sources (`AWS_*` variables, profiles).
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { checkBucketCors } from './doctor/check-bucket-cors.js';

const USAGE = `Usage: upload-presigner doctor cors --bucket <bucket> --origin <origin> [options]

Checks that a browser page on <origin> can upload to <bucket>: reads the bucket's CORS rules, sends a
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
  const method = (values.method ?? 'PUT').toUpperCase();
  if (positionals.join(' ') !== 'doctor cors' || !values.bucket || !values.origin || (method !== 'PUT' && method !== 'POST')) {
    err(USAGE);
    return 2;
  }
  const report = await checkBucketCors({
    bucket: values.bucket,
    origin: values.origin,
    method,
    headers: values.header,
    endpoint: values.endpoint,
    region: values.region ?? (values.endpoint ? 'us-east-1' : undefined),
    forcePathStyle: values['path-style'],
    apply: values.apply,
  });
  if (values.json) {
    out(JSON.stringify(report, null, 2));
    return report.ok ? 0 : 1;
  }
  if (report.problems.length === 0) out(`OK: ${values.origin} can ${method} to ${values.bucket}, and ETag is exposed.`);
  for (const problem of report.problems) out(`✗ ${problem.code}: ${problem.message}`);
  out(`Preflight ${report.preflight.url}: ${report.preflight.status}${report.preflight.allowOrigin ? `, allow-origin ${report.preflight.allowOrigin}` : ''}`);
  if (report.applied) out(report.ok ? 'Applied the corrected rules; the preflight now passes.' : 'Applied the corrected rules, but the preflight still fails.');
  else if (report.problems.length > 0) out(`Corrected rules (write them with --apply):\n${JSON.stringify({ CORSRules: report.correctedRules }, null, 2)}`);
  return report.ok ? 0 : 1;
}

// Run only as the command, not when imported (tests import runCli).
if (process.argv[1] && /(?:^|[\\/])(?:cli\.[cm]?[jt]s|upload-presigner)$/.test(process.argv[1])) {
  runCli(process.argv.slice(2)).then(
    (status) => (process.exitCode = status),
    (error: unknown) => {
      console.error(`upload-presigner: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
