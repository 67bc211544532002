import {
  parseXml,
  XmlDeclaration,
  XmlDocumentType,
  XmlElement,
  XmlProcessingInstruction,
  XmlText,
} from '@rgrove/parse-xml';

// An SVG opened from the bucket's origin runs with that origin's rights, and a browser finds script
// in more places than any pattern over bytes can follow (prefixes, entities, encodings, animation).
// So an SVG passes only when a strict XML parser reads it, in an encoding proven to be the one the
// browser will use, as nothing but allowlisted SVG elements and attributes.

/**
 * The most bytes of an SVG that verification reads; a larger SVG is refused, since what was not
 * read cannot be proven safe.
 *
 * @example
 * ```ts
 * const range = `bytes=0-${SVG_MAX_BYTES}`; // one byte more than allowed, to tell "too large"
 * ```
 */
export const SVG_MAX_BYTES = 1024 * 1024;

/**
 * Each name's namespace is found by walking up the open elements, so nesting must be bounded for
 * the inspection to stay linear. Drawings exported by editors nest a few dozen levels at most.
 */
const MAX_DEPTH = 64;

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

// Not allowed: script, foreignObject, a, image, feImage, switch and the animation elements (set,
// animate, animateMotion, animateTransform, discard): each can run script, navigate or load a URL.
const ELEMENTS = new Set(
  [
    'svg g defs symbol use title desc metadata style',
    'path rect circle ellipse line polyline polygon text tspan textPath',
    'linearGradient radialGradient stop pattern clipPath mask marker filter',
    'feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting',
    'feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR',
    'feGaussianBlur feMerge feMergeNode feMorphology feOffset fePointLight feSpecularLighting',
    'feSpotLight feTile feTurbulence',
  ].flatMap((line) => line.split(' ')),
);

// Attributes without a namespace. No `on*` handler is here, so none passes in any spelling;
// `href` is checked apart (xlink:href too), as are the namespace declarations.
const ATTRIBUTES = new Set(
  [
    'id class style lang type width height x y viewBox preserveAspectRatio version baseProfile',
    'x1 y1 x2 y2 cx cy r rx ry fx fy fr d points pathLength dx dy rotate textLength lengthAdjust',
    'startOffset method spacing side transform gradientTransform gradientUnits spreadMethod offset',
    'patternTransform patternUnits patternContentUnits clipPathUnits maskUnits maskContentUnits',
    'markerWidth markerHeight markerUnits refX refY orient filterUnits primitiveUnits in in2 result',
    'stdDeviation mode values operator k1 k2 k3 k4 scale xChannelSelector yChannelSelector',
    'baseFrequency numOctaves seed stitchTiles radius order kernelMatrix divisor bias targetX targetY',
    'edgeMode preserveAlpha surfaceScale specularConstant specularExponent diffuseConstant azimuth',
    'elevation pointsAtX pointsAtY pointsAtZ limitingConeAngle tableValues slope intercept amplitude',
    'exponent enable-background',
    // Presentation attributes: CSS properties, checked as CSS.
    'alignment-baseline baseline-shift clip clip-path clip-rule color color-interpolation',
    'color-interpolation-filters color-rendering cursor direction display dominant-baseline fill',
    'fill-opacity fill-rule filter flood-color flood-opacity font-family font-size font-size-adjust',
    'font-stretch font-style font-variant font-weight image-rendering letter-spacing lighting-color',
    'marker-end marker-mid marker-start mask mask-type opacity overflow paint-order pointer-events',
    'shape-rendering stop-color stop-opacity stroke stroke-dasharray stroke-dashoffset stroke-linecap',
    'stroke-linejoin stroke-miterlimit stroke-opacity stroke-width text-anchor text-decoration',
    'text-rendering transform-origin unicode-bidi vector-effect visibility word-spacing writing-mode',
  ].flatMap((line) => line.split(' ')),
);

// CSS (in <style>, in `style` and in every other attribute, all of which Chromium may read as CSS)
// is allowed, because editors write fills and classes that way, but only where it cannot reach
// beyond the file: no escapes (so that what is checked is what the browser reads), no at-rules
// (@import, @font-face), and only these functions, url() pointing inside the SVG (#id).
// Chromium runs no script from CSS; what is kept out are requests to other URLs.
const CSS_FUNCTIONS = new Set(
  'url rgb rgba hsl hsla calc var matrix translate translatex translatey rotate scale scalex scaley skew skewx skewy'.split(
    ' ',
  ),
);
// A function name is a run of name characters right before "(": the lookbehind starts each match
// at the beginning of a run, which keeps the search linear.
const CSS_FUNCTION_CALL = /(?<![\w-])([\w-]*)\(/g;
const URL_TO_FRAGMENT = /\s*["']?#/y;

/** No parameter but `charset=utf-8`: the browser must decode the bytes that were checked as UTF-8. */
const SVG_CONTENT_TYPE = /^image\/svg\+xml(?:[ \t]*;[ \t]*charset=(?:utf-8|"utf-8"))?$/i;

/** A reason to refuse, thrown from the parser's handlers to stop at the first one. */
class Refusal extends Error {}
const refuse = (reason: string): never => {
  throw new Refusal(reason);
};

/**
 * Decides whether an SVG is provably inert when a browser opens it: `undefined` when it is, or the
 * reason it is refused. `contentType` is the stored Content-Type, whose charset the browser obeys.
 *
 * @example
 * ```ts
 * const bytes = (svg: string) => new TextEncoder().encode(svg);
 * inspectSvg(bytes('<svg xmlns="http://www.w3.org/2000/svg"><rect width="4" height="4"/></svg>'), 'image/svg+xml');
 * // undefined
 * inspectSvg(bytes('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 'image/svg+xml');
 * // 'the SVG has the attribute onload, which is not on the allowlist'
 * ```
 */
export function inspectSvg(bytes: Uint8Array, contentType: string): string | undefined {
  try {
    if (bytes.byteLength > SVG_MAX_BYTES) refuse(`the SVG cannot be proven safe within ${SVG_MAX_BYTES} bytes`);
    if (!SVG_CONTENT_TYPE.test(contentType.trim())) {
      refuse(`the SVG's Content-Type "${contentType}" has parameters other than charset=utf-8`);
    }
    parse(decodeUtf8(bytes));
    return undefined;
  } catch (error) {
    if (error instanceof Refusal) return error.message;
    return `the SVG is not well-formed XML (${(error as Error).message})`;
  }
}

function decodeUtf8(bytes: Uint8Array): string {
  const hasUtf8Bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = hasUtf8Bom ? bytes.subarray(3) : bytes;
  if (body[0] === 0xfe || body[0] === 0xff || (body[0] === 0xef && body[1] === 0xbb)) {
    refuse('the SVG starts with a UTF-16 or UTF-32 byte order mark, or a second one');
  }
  if (body.includes(0)) refuse('the SVG contains a NUL byte, as UTF-16 or UTF-32 text does');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return refuse('the SVG is not valid UTF-8');
  }
}

/** A name resolved to its namespace, as an XML namespace processor (and so the browser) resolves it. */
interface ResolvedName {
  name: string;
  uri: string;
  local: string;
}

/** An open element's own namespace declarations, and its parent's scope. */
interface Scope {
  declared: Map<string, string>;
  parent: Scope | undefined;
}

const notWellFormed = (reason: string): never => refuse(`the SVG is not well-formed XML (${reason})`);

function parse(text: string): void {
  let document;
  // Met while parsing, refused once the prolog is read, so that a DOCTYPE declaring it is named.
  let undefinedEntity: string | undefined;
  try {
    // @rgrove/parse-xml is strict: it refuses what is not well-formed and expands no entity that a
    // DOCTYPE declares. CDATA arrives as text, comments are dropped: neither can hold markup.
    document = parseXml(text, {
      preserveDocumentType: true,
      preserveXmlDeclaration: true,
      resolveUndefinedEntity: (entity) => {
        undefinedEntity ??= entity;
        return '';
      },
    });
  } catch (error) {
    if (error instanceof Refusal) throw error;
    // The parser descends one call per element: only nesting can exhaust the stack.
    if (error instanceof RangeError) refuse(`the SVG nests elements more than ${MAX_DEPTH} deep`);
    notWellFormed((error as Error).message.split('\n')[0]!);
  }
  for (const node of document!.children) {
    if (node instanceof XmlDeclaration) {
      if (node.encoding && node.encoding.toLowerCase() !== 'utf-8')
        refuse(`the SVG declares the encoding ${node.encoding}`);
    } else if (node instanceof XmlDocumentType) {
      refuse('the SVG has a DOCTYPE, whose entities can expand to markup');
    } else if (node instanceof XmlProcessingInstruction) {
      refuse(`the SVG has the processing instruction <?${node.name}?>`);
    } else if (node instanceof XmlElement) {
      if (undefinedEntity !== undefined) notWellFormed(`undefined entity ${undefinedEntity}`);
      checkElement(node, undefined, 1);
    }
  }
}

function checkElement(element: XmlElement, parent: Scope | undefined, depth: number): void {
  if (depth > MAX_DEPTH) refuse(`the SVG nests elements more than ${MAX_DEPTH} deep`);
  const scope: Scope = { declared: new Map(), parent };
  for (const [name, value] of Object.entries(element.attributes)) {
    if (name === 'xmlns') scope.declared.set('', value);
    else if (name.startsWith('xmlns:')) scope.declared.set(name.slice('xmlns:'.length), value);
  }
  const tag = resolve(element.name, scope, true);
  if (tag.uri !== SVG_NS || !ELEMENTS.has(tag.local)) {
    // An allowed name in a namespace only a refused declaration can give it: name the declaration.
    if (ELEMENTS.has(tag.local) && tag.uri !== '' && tag.uri !== XLINK_NS) checkNamespace(tag.uri);
    refuse(`the SVG has the element <${tag.name}> (${tag.uri || 'no namespace'}), which is not on the allowlist`);
  }
  if (depth === 1 && tag.local !== 'svg') refuse(`the SVG's root element is <${tag.name}>, not <svg>`);
  for (const [name, value] of Object.entries(element.attributes)) checkAttribute(resolve(name, scope, false), value);
  if (tag.local === 'style') {
    if (element.children.some((child) => child instanceof XmlElement)) refuse('the SVG has an element inside <style>');
    checkCss(element.text, 'in <style>');
  }
  for (const child of element.children) {
    if (child instanceof XmlElement) checkElement(child, scope, depth + 1);
    else if (child instanceof XmlProcessingInstruction)
      refuse(`the SVG has the processing instruction <?${child.name}?>`);
    else if (!(child instanceof XmlText)) notWellFormed(`unexpected ${child.type}`);
  }
}

/**
 * `name`'s namespace under the declarations in scope: a prefix names the namespace it is bound to,
 * an element without one takes the default namespace, an attribute without one has none.
 */
function resolve(name: string, scope: Scope, isElement: boolean): ResolvedName {
  const parts = name.split(':');
  if (parts.length > 2 || parts.includes('')) notWellFormed(`"${name}" is not a qualified name`);
  const [prefix, local] = parts.length === 2 ? (parts as [string, string]) : ['', name];
  if (!isElement && name === 'xmlns') return { name, uri: XMLNS_NS, local: '' };
  if (!isElement && prefix === 'xmlns') return { name, uri: XMLNS_NS, local };
  if (prefix === 'xml') return { name, uri: XML_NS, local };
  if (prefix === 'xmlns') notWellFormed(`unbound namespace prefix: "${prefix}"`);
  if (!isElement && prefix === '') return { name, uri: '', local };
  for (let open: Scope | undefined = scope; open; open = open.parent) {
    const uri = open.declared.get(prefix);
    if (uri !== undefined) return { name, uri, local };
  }
  if (prefix === '') return { name, uri: '', local };
  return notWellFormed(`unbound namespace prefix: "${prefix}"`);
}

function checkAttribute({ name, uri, local }: ResolvedName, value: string): void {
  if (uri === XMLNS_NS) {
    if (local === 'xml' || local === 'xmlns') refuse(`the SVG declares the prefix ${local}`);
    checkNamespace(value);
  } else if ((uri === '' || uri === XLINK_NS) && local === 'href') {
    // "#…" resolves inside this document whatever follows; anything else may be a javascript:,
    // data: or remote URL, however it is spelled.
    if (!value.startsWith('#'))
      refuse(`the SVG links to "${value.slice(0, 80)}"; only #id references inside it are allowed`);
  } else if (uri === '' && ATTRIBUTES.has(local)) {
    checkCss(value, `in the attribute ${name}`);
  } else if (uri !== XML_NS || (local !== 'space' && local !== 'lang')) {
    refuse(`the SVG has the attribute ${name}, which is not on the allowlist`);
  }
}

/** Refuses a namespace other than SVG and XLink, the only two an SVG may declare. */
function checkNamespace(uri: string): void {
  if (uri !== SVG_NS && uri !== XLINK_NS) refuse(`the SVG declares the namespace "${uri}"`);
}

function checkCss(css: string, where: string): void {
  if (css.includes('\\')) refuse(`the SVG has a CSS escape ${where}`);
  if (css.includes('@')) refuse(`the SVG has a CSS at-rule ${where}`);
  if (!css.includes('(')) return;
  for (const call of css.matchAll(CSS_FUNCTION_CALL)) {
    const name = call[1]!.toLowerCase();
    if (!CSS_FUNCTIONS.has(name)) refuse(`the SVG has the CSS function "${name}(" ${where}`);
    URL_TO_FRAGMENT.lastIndex = call.index + call[0].length;
    if (name === 'url' && !URL_TO_FRAGMENT.test(css)) refuse(`the SVG has a url() to outside the SVG ${where}`);
  }
}
