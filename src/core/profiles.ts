import { PresignError } from '../errors.js';
import type { Presigner } from '../types.js';

// One endpoint may serve several named presigners ("profiles"): avatars, documents, videos, each
// with its own rules, key function and hooks. The body's `profile` names the one to use, for every
// action. What a profile's presigner seals (receipts, multipart tokens) is bound to its name, so
// that one profile never opens what another issued, even when their rules are the same.

/**
 * Named presigners that one endpoint serves: the request body's `profile` picks one, e.g.
 * `{"profile":"avatar","fileName":"me.jpg",…}`. Each presigner may serve one profile only.
 *
 * @example
 * ```ts
 * const profiles = {
 *   avatar: createPresigner({ bucket, prefix: 'avatars/', allowedTypes: ['image/*'], maxSize: 2 * 1024 ** 2 }),
 *   document: createPresigner({ bucket, prefix: 'documents/', allowedTypes: ['application/pdf'], method: 'POST' }),
 * } satisfies Profiles;
 * ```
 */
export type Profiles<Context = unknown> = Readonly<Record<string, Presigner<Context>>>;

/**
 * What an endpoint serves: one presigner, or {@link Profiles} of them.
 *
 * @example
 * ```ts
 * const served: Presigners<{ userId: string }> = { avatar: avatarPresigner, video: videoPresigner };
 * ```
 */
export type Presigners<Context = unknown> = Presigner<Context> | Profiles<Context>;

export type { ProfileName } from '../protocol.js';

/** A name that reads well in a JSON body and in an error message. */
export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** How a presigner from `createPresigner` binds what it seals to a profile: its current profile after. */
type ProfileBinder = (profile: string) => string;
const binders = new WeakMap<object, ProfileBinder>();

/**
 * Called by `createPresigner` for each presigner it makes: `bind` makes it seal for one profile
 * (and open only what was sealed for that profile), and answers the profile it is bound to.
 */
export function registerProfileBinder(presigner: object, bind: ProfileBinder): void {
  binders.set(presigner, bind);
}

/**
 * Chooses, for each request body, the presigner that serves it: the single one (a body that names
 * a profile is refused), or the profile the body's `profile` names. Profiles are checked and bound
 * to their names here, once, when the endpoint is created.
 *
 * @throws PresignError `INVALID_OPTIONS` for a bad profile map, at creation; `UNKNOWN_PROFILE` (400)
 * per request for a missing or unknown profile.
 * @example
 * ```ts
 * const choose = profileChooser({ avatar, document });
 * const { presigner, profile } = choose({ profile: 'avatar', fileName: 'me.jpg', contentType: 'image/jpeg' });
 * ```
 */
export function profileChooser<Context>(
  presigners: Presigners<Context>,
): (input: unknown) => { presigner: Presigner<Context>; profile?: string } {
  if (isPresigner(presigners)) {
    return (input) => {
      if (profileOf(input) !== undefined) {
        throw new PresignError('UNKNOWN_PROFILE', 'This endpoint serves no profiles: send no "profile".');
      }
      return { presigner: presigners };
    };
  }
  const byName = new Map(bindProfiles(presigners));
  const names = [...byName.keys()].map((name) => `"${name}"`).join(', ');
  return (input) => {
    const profile = profileOf(input);
    const presigner = typeof profile === 'string' ? byName.get(profile) : undefined;
    if (presigner === undefined) {
      const problem = profile === undefined ? 'names no "profile"' : 'names no profile of this endpoint';
      throw new PresignError('UNKNOWN_PROFILE', `The request ${problem}: send "profile" as one of ${names}.`);
    }
    return { presigner, profile: profile as string };
  };
}

/** Checks every profile and binds its presigner to its name. */
function bindProfiles<Context>(profiles: Profiles<Context>): [string, Presigner<Context>][] {
  if (typeof profiles !== 'object' || profiles === null)
    throw invalidProfiles('must be a presigner or an object of them');
  const entries = Object.entries(profiles);
  if (entries.length === 0) throw invalidProfiles('must name at least one profile');
  for (const [name, presigner] of entries) {
    if (!PROFILE_NAME.test(name)) {
      throw invalidProfiles(`${JSON.stringify(name)} is not a profile name: use 1-64 letters, digits, "-" or "_"`);
    }
    const bind = binders.get(presigner);
    if (bind === undefined) {
      throw invalidProfiles(
        `profile "${name}" is not a presigner from createPresigner, which binds its receipts and tokens to the profile`,
      );
    }
    const bound = bind(name);
    if (bound !== name) {
      throw invalidProfiles(
        `profile "${name}" is the presigner of profile "${bound}" already: create one presigner per profile`,
      );
    }
  }
  return entries;
}

const invalidProfiles = (problem: string) => new PresignError('INVALID_OPTIONS', `Invalid profiles: ${problem}.`);

/** A presigner has methods; a map of profiles has presigners (objects) under its names. */
function isPresigner<Context>(value: Presigners<Context>): value is Presigner<Context> {
  return typeof (value as Partial<Presigner<Context>>).presign === 'function';
}

function profileOf(input: unknown): unknown {
  return typeof input === 'object' && input !== null ? (input as { profile?: unknown }).profile : undefined;
}
