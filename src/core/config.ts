import * as v from 'valibot';
import { PresignError } from '../errors.js';
import { HandlerOptionsSchema, PresignerOptionsSchema } from '../schemas.js';
import type { HandlerOptions, PresignerOptions } from '../types.js';
import { isTypePattern, WILDCARD_TYPES } from './content-type.js';

/** The presigner's options once validated, with their defaults. */
export type ResolvedOptions = v.InferOutput<typeof PresignerOptionsSchema> &
  Pick<PresignerOptions, 'client' | 'key' | 'onUploadComplete'>;

/** The first issue as a `PresignError('INVALID_OPTIONS')` naming the option it is about. */
function invalidOptions(owner: 'presigner' | 'handler', issues: [v.BaseIssue<unknown>, ...v.BaseIssue<unknown>[]]) {
  const [issue] = issues;
  const path = issue.path?.map((item) => String(item.key)).join('.') ?? 'options';
  const message = issue.path ? issue.message : 'must be an object';
  return new PresignError('INVALID_OPTIONS', `Invalid ${owner} option "${path}": ${message}.`, { issues });
}

/** Validates the options, naming the first bad one in a `PresignError('INVALID_OPTIONS')`. */
export function parseOptions(options: PresignerOptions<any>): ResolvedOptions {
  const result = v.safeParse(PresignerOptionsSchema, options);
  if (!result.success) throw invalidOptions('presigner', result.issues);
  const config = result.output as ResolvedOptions;
  const badType = config.allowedTypes.find((type) => !isTypePattern(type));
  if (badType !== undefined) {
    throw new PresignError(
      'INVALID_OPTIONS',
      `Invalid presigner option "allowedTypes": "${badType}" is neither a media type ("image/png") nor one of the wildcards ${Object.keys(WILDCARD_TYPES).join(', ')}.`,
    );
  }
  if (
    config.client &&
    (config.region || config.endpoint || config.credentials || config.forcePathStyle !== undefined)
  ) {
    throw new PresignError(
      'INVALID_OPTIONS',
      'Invalid presigner option "client": pass either a client or region/endpoint/forcePathStyle/credentials, not both.',
    );
  }
  if (config.secret !== undefined && config.multipartSecret !== undefined && config.secret !== config.multipartSecret) {
    throw new PresignError(
      'INVALID_OPTIONS',
      'Invalid presigner option "multipartSecret": it is the former name of "secret"; pass only "secret".',
    );
  }
  const { prefix, quarantinePrefix } = config;
  if (quarantinePrefix !== undefined && (quarantinePrefix.startsWith(prefix) || prefix.startsWith(quarantinePrefix))) {
    // The S3-event handler verifies what lands under `prefix`: a quarantined object would come back.
    throw new PresignError(
      'INVALID_OPTIONS',
      `Invalid presigner option "quarantinePrefix": "${quarantinePrefix}" and the prefix "${prefix}" overlap, so verify would check quarantined objects again, in a loop; give it a prefix of its own, e.g. "quarantine/".`,
    );
  }
  // `multipartSecret` is the deprecated name: deployed stacks that still pass it keep working.
  const secret = config.secret ?? config.multipartSecret;
  return { ...config, secret, allowedTypes: config.allowedTypes.map((type) => type.toLowerCase()) };
}

/** Validates the handler's options, naming the first bad one in a `PresignError('INVALID_OPTIONS')`. */
export function checkHandlerOptions(options: HandlerOptions<any, any>): void {
  const result = v.safeParse(HandlerOptionsSchema, options);
  if (!result.success) throw invalidOptions('handler', result.issues);
}

/** Validates a request against `schema`, as an `INVALID_REQUEST` naming the first problem. */
export function parseRequest<Schema extends v.GenericSchema>(
  schema: Schema,
  input: unknown,
  what: string,
): v.InferOutput<Schema> {
  const result = v.safeParse(schema, input);
  if (!result.success) {
    const detail = input === null || typeof input !== 'object' ? 'must be a JSON object' : result.issues[0].message;
    throw new PresignError('INVALID_REQUEST', `Invalid ${what}: ${detail}.`, { issues: result.issues });
  }
  return result.output;
}
