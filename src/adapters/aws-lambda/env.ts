import * as v from 'valibot';
import { isTypePattern } from '../../core/content-type.js';
import { createPresigner } from '../../core/create-presigner.js';
import { PresignError } from '../../errors.js';
import { CHECKSUM_ALGORITHMS } from '../../protocol.js';
import { HandlerOptionsSchema, PresignerOptionsSchema } from '../../schemas.js';
import { PROFILE_NAME, type Profiles } from '../../core/profiles.js';
import type { HandlerOptions, Presigner, PresignerOptions, UploadMethod } from '../../types.js';
import { toLambdaResult } from './event.js';
import { serverError } from '../../http/handle-presign.js';
import { toLambdaHandler } from './handler.js';
import type { LambdaEvent, LambdaHandler } from './types.js';

const DEFAULT_ALLOWED_TYPES = 'image/*';

// Each variable reuses the core's schema for its option, so the limits and their messages are the
// core's, while the issue path names the variable instead of the option.
const option = PresignerOptionsSchema.entries;
const handlerOption = HandlerOptionsSchema.pipe[0].entries;
const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
const wholeNumber = (unit: string) =>
  v.pipe(v.string(), v.regex(/^\d+$/, `must be a whole number of ${unit}`), v.transform(Number));
const trueOrFalse = v.pipe(
  v.picklist(['true', 'false'], 'must be "true" or "false"'),
  v.transform((value) => value === 'true'),
);

const TYPE_PATTERNS = 'must list media types such as "application/pdf" or wildcards such as "image/*"';
const PROFILES_EXAMPLE = '{"avatar":{"allowedTypes":["image/*"],"maxSize":2097152}}';

// What a profile in PRESIGN_PROFILES may set: the rules that tell profiles apart. Unset, a rule is
// the PRESIGN_* variable's; the bucket, endpoint and secret are always those.
const PROFILE_FIELDS = [
  'prefix',
  'allowedTypes',
  'maxSize',
  'expiresIn',
  'method',
  'contentDisposition',
  'overwrite',
  'partSize',
] as const;
const ProfileSchema = v.strictObject(
  {
    prefix: v.optional(v.unwrap(option.prefix)),
    allowedTypes: v.optional(
      v.pipe(
        option.allowedTypes,
        v.check((types) => types.every(isTypePattern), TYPE_PATTERNS),
      ),
    ),
    maxSize: v.optional(v.unwrap(option.maxSize)),
    expiresIn: v.optional(v.unwrap(option.expiresIn)),
    method: v.optional(v.unwrap(option.method)),
    contentDisposition: v.optional(v.unwrap(option.contentDisposition)),
    overwrite: v.optional(v.unwrap(option.overwrite)),
    partSize: v.optional(v.unwrap(option.partSize)),
  },
  (issue) =>
    issue.expected === 'never'
      ? `is not a profile field: use ${PROFILE_FIELDS.join(', ')}`
      : `must be an object of ${PROFILE_FIELDS.join(', ')}`,
);

const EnvSchema = v.object({
  PRESIGN_BUCKET: v.pipe(v.string('is required: the name of the bucket uploads go to'), option.bucket),
  PRESIGN_PREFIX: v.optional(v.pipe(v.string(), v.unwrap(option.prefix))),
  PRESIGN_ALLOWED_TYPES: v.optional(
    v.pipe(
      v.string(),
      v.transform(list),
      option.allowedTypes,
      v.check((types) => types.every(isTypePattern), TYPE_PATTERNS),
    ),
    DEFAULT_ALLOWED_TYPES,
  ),
  PRESIGN_MAX_SIZE: v.optional(v.pipe(wholeNumber('bytes'), v.unwrap(option.maxSize))),
  PRESIGN_EXPIRES_IN: v.optional(v.pipe(wholeNumber('seconds'), v.unwrap(option.expiresIn))),
  PRESIGN_ALLOWED_ORIGINS: v.optional(v.pipe(v.string(), v.transform(list), v.unwrap(handlerOption.allowedOrigins))),
  PRESIGN_METHOD: v.optional(option.method),
  PRESIGN_S3_ENDPOINT: v.optional(option.endpoint),
  PRESIGN_FORCE_PATH_STYLE: v.optional(trueOrFalse),
  PRESIGN_CONTENT_DISPOSITION: v.optional(v.unwrap(option.contentDisposition)),
  PRESIGN_OVERWRITE: v.optional(trueOrFalse),
  PRESIGN_CHECKSUM: v.optional(
    v.picklist([...CHECKSUM_ALGORITHMS, 'none'], `must be "${CHECKSUM_ALGORITHMS.join('", "')}" or "none"`),
  ),
  PRESIGN_SECRET: v.optional(v.pipe(v.string(), v.unwrap(option.secret))),
  PRESIGN_MULTIPART_SECRET: v.optional(v.pipe(v.string(), v.unwrap(option.multipartSecret))),
  PRESIGN_PART_SIZE: v.optional(v.pipe(wholeNumber('bytes'), v.unwrap(option.partSize))),
  PRESIGN_PROFILES: v.optional(
    v.pipe(
      v.string(),
      v.parseJson(undefined, `must be JSON such as ${PROFILES_EXAMPLE}`),
      // valibot's record takes a list as an object of its indices.
      v.check((value) => !Array.isArray(value), `must be a JSON object of profiles such as ${PROFILES_EXAMPLE}`),
      v.record(
        v.pipe(v.string(), v.regex(PROFILE_NAME, 'is not a profile name: use 1-64 letters, digits, "-" or "_"')),
        ProfileSchema,
        `must be a JSON object of profiles such as ${PROFILES_EXAMPLE}`,
      ),
      v.check((profiles) => Object.keys(profiles).length > 0, 'must name at least one profile'),
    ),
  ),
});

// Never echoed in an error message: it would land in the logs.
const SECRET_VARIABLES = new Set(['PRESIGN_SECRET', 'PRESIGN_MULTIPART_SECRET']);

/**
 * Creates the presigner and handler options that the `PRESIGN_*` environment variables describe.
 * Empty variables count as unset. Region and credentials are not read here: the AWS SDK takes them
 * from `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, which
 * Lambda sets for the function's role.
 *
 * - `PRESIGN_BUCKET` (required): the bucket uploads go to.
 * - `PRESIGN_PREFIX`: key prefix ending with `/`; default `uploads/`.
 * - `PRESIGN_ALLOWED_TYPES`: comma-separated types or wildcards; default `image/*` (never SVG).
 * - `PRESIGN_MAX_SIZE`: largest upload in bytes; when set, PUT requests must declare `size`. Default: no limit.
 * - `PRESIGN_EXPIRES_IN`: seconds a URL lives; default 300.
 * - `PRESIGN_ALLOWED_ORIGINS`: comma-separated origins allowed by CORS; default none.
 * - `PRESIGN_METHOD`: `PUT` (default) or `POST`.
 * - `PRESIGN_S3_ENDPOINT`: URL of an S3-compatible server.
 * - `PRESIGN_FORCE_PATH_STYLE`: `true` or `false`.
 * - `PRESIGN_CONTENT_DISPOSITION`: `auto` (default), `attachment` or `inline` (see `contentDisposition`).
 * - `PRESIGN_OVERWRITE`: `true` to sign no `If-None-Match: *` (see `overwrite`); default `false`.
 * - `PRESIGN_CHECKSUM`: `md5` (default), `sha256`, `crc32`, `crc64nvme` or `none` (see `checksum`);
 *   `upload-presigner doctor storage` says which the storage verifies.
 * - `PRESIGN_SECRET`: 32 or more characters; signs receipts and multipart tokens, so it enables
 *   `verify` over HTTP and multipart uploads (see `secret`). Pass it from a secret store (e.g. a
 *   `{{resolve:secretsmanager:…}}` reference), not from the code. `PRESIGN_MULTIPART_SECRET`, its
 *   former name, is still read.
 * - `PRESIGN_PART_SIZE`: bytes per part of a multipart upload; default 8 MiB, at least 5 MiB.
 * - `PRESIGN_PROFILES`: JSON naming profiles, e.g. `{"avatar":{"allowedTypes":["image/*"]}}`.
 *   Each may set `prefix`, `allowedTypes`, `maxSize`, `expiresIn`, `method`,
 *   `contentDisposition`, `overwrite` and `partSize`, and takes the other variables for the rest.
 *   Returned as `profiles`, which the ready-made {@link handler} serves instead of `presigner`.
 *
 * @throws PresignError `INVALID_OPTIONS` naming each wrong variable, e.g.
 * `PRESIGN_MAX_SIZE must be a whole number of bytes, got "ten"`.
 * @example
 * ```ts
 * import { presignerFromEnv, toLambdaHandler } from 'upload-presigner/aws-lambda';
 *
 * const { presigner, handlerOptions } = presignerFromEnv();
 * export const handler = toLambdaHandler(presigner, { ...handlerOptions, authorize: checkUser });
 * ```
 */
export function presignerFromEnv<Context = unknown>(
  env: Record<string, string | undefined> = process.env,
  // What a variable cannot carry (functions): `key`, `onUploadComplete`, `quarantinePrefix`.
  extra: Pick<PresignerOptions<Context>, 'key' | 'onUploadComplete' | 'quarantinePrefix'> = {},
): {
  presigner: Presigner<Context>;
  /** The presigners `PRESIGN_PROFILES` names, when it is set. */
  profiles?: Profiles<Context>;
  handlerOptions: HandlerOptions<Context>;
} {
  const vars: Record<string, string | undefined> = {};
  for (const name of Object.keys(EnvSchema.entries)) vars[name] = env[name]?.trim() || undefined;
  const result = v.safeParse(EnvSchema, vars);
  if (!result.success) {
    const problems = new Map<string, string>();
    for (const issue of result.issues) {
      // Inside PRESIGN_PROFILES, the path names the profile and its field, and the value is its own.
      const path = issue.path?.map((item) => String(item.key)) ?? [];
      const [name = '', ...field] = path;
      const value = field.length > 0 ? JSON.stringify(issue.input) : `"${vars[name]}"`;
      const got = vars[name] === undefined || SECRET_VARIABLES.has(name) ? '' : `, got ${value}`;
      const where = path.join('.');
      if (!problems.has(where)) problems.set(where, `${where} ${issue.message}${got}`);
    }
    throw new PresignError('INVALID_OPTIONS', [...problems.values()].join('; '), { issues: result.issues });
  }
  const config = result.output;
  const options: PresignerOptions<Context> = {
    ...extra,
    bucket: config.PRESIGN_BUCKET,
    prefix: config.PRESIGN_PREFIX,
    allowedTypes: config.PRESIGN_ALLOWED_TYPES,
    maxSize: config.PRESIGN_MAX_SIZE,
    expiresIn: config.PRESIGN_EXPIRES_IN,
    method: config.PRESIGN_METHOD,
    endpoint: config.PRESIGN_S3_ENDPOINT,
    forcePathStyle: config.PRESIGN_FORCE_PATH_STYLE,
    contentDisposition: config.PRESIGN_CONTENT_DISPOSITION,
    overwrite: config.PRESIGN_OVERWRITE,
    checksum: config.PRESIGN_CHECKSUM,
    secret: config.PRESIGN_SECRET,
    multipartSecret: config.PRESIGN_MULTIPART_SECRET,
    partSize: config.PRESIGN_PART_SIZE,
  };
  const presigner = createPresigner<Context, UploadMethod>(options);
  const profiles = config.PRESIGN_PROFILES && profilesFrom(config.PRESIGN_PROFILES, options);
  const allowedOrigins = config.PRESIGN_ALLOWED_ORIGINS;
  return { presigner, ...(profiles && { profiles }), handlerOptions: allowedOrigins ? { allowedOrigins } : {} };
}

/** A presigner per profile: its own rules over the shared options; an error names the profile. */
function profilesFrom<Context>(
  profiles: Record<string, v.InferOutput<typeof ProfileSchema>>,
  shared: PresignerOptions<Context>,
): Profiles<Context> {
  return Object.fromEntries(
    Object.entries(profiles).map(([name, rules]) => {
      const own = Object.fromEntries(Object.entries(rules).filter(([, value]) => value !== undefined));
      try {
        return [name, createPresigner<Context, UploadMethod>({ ...shared, ...own })];
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new PresignError('INVALID_OPTIONS', `PRESIGN_PROFILES.${name}: ${message}`, { cause: error });
      }
    }),
  );
}

let configured: LambdaHandler | undefined;

/**
 * A ready-made handler configured by the `PRESIGN_*` environment variables (see
 * {@link presignerFromEnv}; `PRESIGN_ALLOWED_TYPES` defaults to `image/*`). It reads them on the
 * first invocation and keeps the result. When they are missing or wrong it logs one line naming
 * the variable, once per cold start, and answers every request with a 500 that reveals nothing.
 *
 * @example
 * ```ts
 * // index.mjs, deployed with PRESIGN_BUCKET=my-uploads and PRESIGN_MAX_SIZE=10485760
 * export { handler } from 'upload-presigner/aws-lambda';
 * ```
 */
export const handler = (async (event: LambdaEvent) => {
  configured ??= handlerFromEnv();
  return configured(event);
}) as LambdaHandler;

function handlerFromEnv(): LambdaHandler {
  try {
    const { presigner, profiles, handlerOptions } = presignerFromEnv();
    return toLambdaHandler(profiles ?? presigner, handlerOptions);
  } catch (error) {
    console.error(`[upload-presigner] ${error instanceof Error ? error.message : String(error)}`);
    const response = serverError('INVALID_OPTIONS');
    return (async (event: LambdaEvent) => toLambdaResult(event, response)) as LambdaHandler;
  }
}
