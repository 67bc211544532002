import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inspectSvg, SVG_MAX_BYTES } from '../../src/core/svg.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';
const XHTML_NS = 'http://www.w3.org/1999/xhtml';
const MATHML_NS = 'http://www.w3.org/1998/Math/MathML';

// Every byte of a stored SVG comes from whoever uploaded it, so no SVG may cost more than linear
// time. The slowest 1 MB input here (262,000 elements 63 deep) took 3.7 s on 2 cores at load 16;
// the bound is about 10x that. A parse quadratic in the input would take hours on 1 MB.
const BOUND_MS = 40_000;

const encode = (text: string) => new TextEncoder().encode(text);
const svg = (inner: string, attributes = '') =>
  `<svg xmlns="${SVG_NS}" xmlns:xlink="${XLINK_NS}"${attributes}>${inner}</svg>`;
const inspect = (document: string | Uint8Array, contentType = 'image/svg+xml') =>
  inspectSvg(typeof document === 'string' ? encode(document) : document, contentType);

/** What a drawing program writes: shapes, paths, gradients, text, local references, plain CSS. */
const DRAWING = svg(
  '<title>Logo</title><desc>A badge</desc>' +
    '<defs><linearGradient id="fade" x1="0" x2="1"><stop offset="0" stop-color="#1d4ed8"/><stop offset="1" stop-color="#f59e0b"/></linearGradient>' +
    '<clipPath id="round"><circle cx="50" cy="50" r="48"/></clipPath>' +
    '<filter id="soft"><feGaussianBlur in="SourceGraphic" stdDeviation="2"/></filter>' +
    '<symbol id="star" viewBox="0 0 10 10"><polygon points="5,0 6,4 10,4 7,6 8,10 5,7 2,10 3,6 0,4 4,4"/></symbol></defs>' +
    '<style><![CDATA[.label { font: bold 14px sans-serif; fill: rgb(255, 255, 255) } .ring { stroke: url(#fade) }]]></style>' +
    '<g clip-path="url(#round)" transform="translate(2 2) rotate(5)">' +
    '<rect width="100" height="100" fill="url(#fade)" style="opacity: 0.9"/>' +
    '<path d="M10 80 C 40 10, 65 10, 95 80 S 150 150, 180 80" fill="none" class="ring" stroke-width="3"/>' +
    '<ellipse cx="50" cy="50" rx="20" ry="10" filter="url(\'#soft\')"/><line x1="0" y1="0" x2="100" y2="100" stroke="black"/></g>' +
    '<use href="#star" x="10" y="10" width="20" height="20"/><use xlink:href="#star" x="40" y="10" width="20" height="20"/>' +
    '<text x="50" y="90" class="label" text-anchor="middle" xml:space="preserve">R&amp;D <tspan dy="2">&#9733;</tspan></text>',
  ' width="100" height="100" viewBox="0 0 100 100"',
);

describe('inspectSvg passes what is provably inert', () => {
  it.each([
    ['a drawing with gradients, clip paths, filters, symbols, CSS and text', DRAWING],
    ['the smallest SVG', `<svg xmlns="${SVG_NS}"/>`],
    [
      'an XML declaration in UTF-8, a comment, a nested <svg>',
      `<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by hand -->\n${svg(`<svg x="5"><rect width="1" height="1"/></svg>`)}`,
    ],
    [
      'SVG elements under a prefix bound to the SVG namespace',
      `<s:svg xmlns:s="${SVG_NS}"><s:rect width="1" height="1"/></s:svg>`,
    ],
    ['an href written with a character reference to "#"', svg('<use href="&#35;a"/>')],
  ])('%s', (_, document) => {
    expect(inspect(document)).toBeUndefined();
  });

  it('a UTF-8 byte order mark, and a Content-Type that names UTF-8 in any spelling of case or quotes', () => {
    const withBom = new Uint8Array([0xef, 0xbb, 0xbf, ...encode(DRAWING)]);
    expect(inspect(withBom)).toBeUndefined();
    for (const contentType of ['image/svg+xml; charset=utf-8', 'IMAGE/SVG+XML;charset="UTF-8"', ' image/svg+xml ']) {
      expect(inspect(DRAWING, contentType), contentType).toBeUndefined();
    }
  });

  it(
    `an SVG of exactly ${SVG_MAX_BYTES} bytes`,
    () => {
      const [head, tail] = svg('<text>|</text>').split('|') as [string, string];
      const document = `${head}${'x'.repeat(SVG_MAX_BYTES - head.length - tail.length)}${tail}`;
      expect(encode(document).byteLength).toBe(SVG_MAX_BYTES);
      expect(inspect(document)).toBeUndefined();
    },
    BOUND_MS,
  );
});

describe('inspectSvg refuses each way of running script that passed the former regex, and its kin', () => {
  it.each([
    ['<script>', svg('<script>alert(1)</script>'), /element <script>/],
    [
      '<svg:script> under a prefix bound to SVG',
      `<svg:svg xmlns:svg="${SVG_NS}"><svg:script>alert(1)</svg:script></svg:svg>`,
      /element <svg:script>/,
    ],
    ['another prefix bound to SVG', svg(`<x:script xmlns:x="${SVG_NS}">alert(1)</x:script>`), /element <x:script>/],
    ['<SCRIPT> in another case', svg('<SCRIPT>alert(1)</SCRIPT>'), /element <SCRIPT>/],
    [
      'an XHTML <h:script>',
      svg(`<h:script xmlns:h="${XHTML_NS}">alert(1)</h:script>`),
      /element <h:script> \(http:\/\/www.w3.org\/1999\/xhtml\)/,
    ],
    [
      'an XHTML <script> by default namespace',
      svg(`<script xmlns="${XHTML_NS}">alert(1)</script>`),
      /element <script> \(http:\/\/www.w3.org\/1999\/xhtml\)/,
    ],
    [
      '<foreignObject> with XHTML',
      svg(`<foreignObject><body xmlns="${XHTML_NS}"><img src="x" onerror="alert(1)"/></body></foreignObject>`),
      /element <foreignObject>/,
    ],
    [
      'an XHTML <iframe srcdoc>',
      svg(`<h:iframe xmlns:h="${XHTML_NS}" srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"/>`),
      /element <h:iframe> \(http:\/\/www.w3.org\/1999\/xhtml\)/,
    ],
    ['an XHTML <embed>', svg(`<h:embed xmlns:h="${XHTML_NS}" src="x.swf"/>`), /element <h:embed>/],
    ['an XHTML <object>', svg(`<object xmlns="${XHTML_NS}" data="x.html"/>`), /element <object>/],
    [
      'a <svg> nested inside XHTML',
      svg(
        `<foreignObject><h:div xmlns:h="${XHTML_NS}"><svg xmlns="${SVG_NS}"><script>alert(1)</script></svg></h:div></foreignObject>`,
      ),
      /foreignObject/,
    ],
    [
      'MathML',
      svg(
        `<m:math xmlns:m="${MATHML_NS}"><m:maction actiontype="statusline" xlink:href="javascript:alert(1)"/></m:math>`,
      ),
      /element <m:math> \(http:\/\/www.w3.org\/1998\/Math\/MathML\)/,
    ],
    [
      'a namespace declaration on an allowed element, for an element below it',
      svg(`<g xmlns:u="urn:u"><u:script/></g>`),
      /declares the namespace "urn:u"/,
    ],
  ])('script elements: %s', (_, document, reason) => {
    expect(inspect(document)).toMatch(reason);
  });

  it.each([
    ['onload', svg('', ' onload="alert(1)"'), /attribute onload,/],
    ['onLoad in mixed case', svg('<rect onLoad="alert(1)"/>'), /attribute onLoad,/],
    ['onclick on a shape', svg('<rect width="9" height="9" onclick="alert(1)"/>'), /attribute onclick,/],
    [
      'a handler under the SVG namespace',
      `<svg xmlns="${SVG_NS}" xmlns:s="${SVG_NS}"><rect s:onclick="alert(1)"/></svg>`,
      /attribute s:onclick,/,
    ],
    [
      'a handler under the XHTML namespace',
      svg(`<rect xmlns:h="${XHTML_NS}" h:onclick="alert(1)"/>`),
      /declares the namespace "http:\/\/www.w3.org\/1999\/xhtml"/,
    ],
    ['a handler under the xlink prefix', svg('<rect xlink:onclick="alert(1)"/>'), /attribute xlink:onclick,/],
    ['xml:base', svg('<use href="#a" xml:base="javascript:alert(1)//"/>'), /attribute xml:base,/],
    ['xlink:show and other xlink attributes', svg('<use href="#a" xlink:show="new"/>'), /attribute xlink:show,/],
  ])('event handlers and unknown attributes: %s', (_, document, reason) => {
    expect(inspect(document)).toMatch(reason);
  });

  it.each([
    [
      'an entity that expands to a script',
      `<!DOCTYPE svg [<!ENTITY x "&#60;script&#62;alert(1)&#60;/script&#62;">]>${svg('&x;')}`,
    ],
    ['an entity in an attribute', `<!DOCTYPE svg [<!ENTITY j "javascript:alert(1)">]>${svg('<use href="&j;"/>')}`],
    ['an external entity', `<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>${svg('<text>&x;</text>')}`],
    [
      'the SVG 1.1 DOCTYPE that editors write',
      `<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">${svg('')}`,
    ],
  ])('DOCTYPE: %s', (_, document) => {
    expect(inspect(document)).toMatch(/DOCTYPE/);
  });

  it.each([
    [
      'UTF-16LE with its BOM',
      new Uint8Array([0xff, 0xfe, ...Buffer.from(svg('<script>alert(1)</script>'), 'utf16le')]),
      /byte order mark/,
    ],
    [
      'UTF-16BE with its BOM',
      new Uint8Array([0xfe, 0xff, ...Buffer.from(svg('').replace(/./g, '\0$&'), 'latin1')]),
      /byte order mark/,
    ],
    ['UTF-32LE with its BOM', new Uint8Array([0xff, 0xfe, 0, 0, ...encode('<')]), /byte order mark/],
    ['UTF-32BE with its BOM', new Uint8Array([0, 0, 0xfe, 0xff, 0, 0, 0, 0x3c]), /NUL byte/],
    ['UTF-16 without a BOM', new Uint8Array(Buffer.from(svg('<script>alert(1)</script>'), 'utf16le')), /NUL byte/],
    ['two UTF-8 BOMs', new Uint8Array([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf, ...encode(svg(''))]), /byte order mark/],
    [
      'a UTF-8 BOM, then a UTF-16 one',
      new Uint8Array([0xef, 0xbb, 0xbf, 0xff, 0xfe, ...encode(svg(''))]),
      /byte order mark/,
    ],
    [
      'an overlong UTF-8 "<"',
      new Uint8Array([...encode(svg('<text>')), 0xc0, 0xbc, ...encode('script></text></svg>')]),
      /not valid UTF-8/,
    ],
    [
      'a lone surrogate in UTF-8',
      new Uint8Array([...encode(svg('<text>')), 0xed, 0xa0, 0x80, ...encode('</text></svg>')]),
      /not valid UTF-8/,
    ],
    [
      'an encoding declared other than UTF-8',
      encode(`<?xml version="1.0" encoding="ISO-8859-1"?>${svg('')}`),
      /declares the encoding ISO-8859-1/,
    ],
    [
      'UTF-16 declared in the XML declaration',
      encode(`<?xml version="1.0" encoding="UTF-16"?>${svg('')}`),
      /declares the encoding UTF-16/,
    ],
    ['utf8 without the dash', encode(`<?xml version="1.0" encoding="utf8"?>${svg('')}`), /declares the encoding utf8/],
  ])('encodings: %s', (_, bytes, reason) => {
    expect(inspect(bytes)).toMatch(reason);
  });

  it.each([
    'image/svg+xml; charset=utf-16',
    'image/svg+xml; charset="utf-16"',
    'image/svg+xml; charset=iso-8859-1',
    'image/svg+xml; charset=utf8',
    'image/svg+xml; charset=utf-8; charset=utf-16',
    'image/svg+xml; charset="utf-8;charset=utf-16"',
    'image/svg+xml; x=1',
  ])('a Content-Type whose charset the browser would obey: %s', (contentType) => {
    // The bytes are plain ASCII; under UTF-16 a browser reads other characters from them.
    expect(inspect(svg(''), contentType)).toMatch(/Content-Type .* has parameters other than charset=utf-8/);
  });

  it.each([
    [
      '<set> of an event attribute',
      svg('<rect><set attributeName="onmouseover" to="alert(1)"/></rect>'),
      /element <set>/,
    ],
    [
      '<set> of href to javascript:',
      svg('<g><set attributeName="href" to="javascript:alert(1)"/></g>'),
      /element <set>/,
    ],
    [
      '<animate> of href',
      svg('<a><animate attributeName="href" values="&#106;avascript:alert(1)"/></a>'),
      /element <a>/,
    ],
    ['<animate> alone', svg('<rect><animate attributeName="x" values="0;1" dur="1s"/></rect>'), /element <animate>/],
    [
      '<animateTransform>',
      svg('<rect><animateTransform attributeName="transform" type="rotate" to="90"/></rect>'),
      /element <animateTransform>/,
    ],
    ['<animateMotion>', svg('<rect><animateMotion path="M0 0L9 9"/></rect>'), /element <animateMotion>/],
    ['<discard>', svg('<rect><discard/></rect>'), /element <discard>/],
    [
      '<svg:set> under a prefix',
      svg(`<s:set xmlns:s="${SVG_NS}" attributeName="onclick" to="alert(1)"/>`),
      /element <s:set>/,
    ],
  ])('animation: %s', (_, document, reason) => {
    expect(inspect(document)).toMatch(reason);
  });

  it.each([
    ['javascript: in href', '<use href="javascript:alert(1)"/>'],
    ['javascript: in xlink:href', '<use xlink:href="javascript:alert(1)"/>'],
    ['javascript: in character references', '<use href="&#106;avascript:alert(1)"/>'],
    ['a newline inside java\\nscript:', '<use href="java\nscript:alert(1)"/>'],
    ['a character reference to a newline inside javascript:', '<use href="java&#x0A;script:alert(1)"/>'],
    ['a tab before javascript:', '<use href="&#9;javascript:alert(1)"/>'],
    ['a space before "#"', '<use href=" #a"/>'],
    ['JAVASCRIPT: in capitals', '<textPath xlink:href="JAVASCRIPT:alert(1)"/>'],
    ['a data: URL', '<use href="data:image/svg+xml,&lt;svg/&gt;#a"/>'],
    ['an external URL', '<use href="https://evil.example/sprite.svg#a"/>'],
    ['a protocol-relative URL', '<linearGradient href="//evil.example/g.svg#g"/>'],
    ['a relative file', '<use href="sprite.svg#a"/>'],
    ['an empty href', '<use href=""/>'],
    ['an <a> link', '<a href="#a"><rect/></a>'],
    ['an <image>', '<image href="https://evil.example/x.png"/>'],
    ['an <feImage>', '<filter><feImage href="https://evil.example/x.png"/></filter>'],
  ])('references: %s', (_, inner) => {
    expect(inspect(svg(inner))).toMatch(/only #id references|element <(a|image|feImage)>/);
  });

  it.each([
    ['@import', '<style>@import url(https://evil.example/x.css);</style>', /at-rule/],
    ['@import with an escape', '<style>@\\69mport "https://evil.example/x.css";</style>', /escape/],
    ['@font-face', '<style>@font-face { font-family: x; src: url(#a) }</style>', /at-rule/],
    ['an external url()', '<style>rect { fill: url(https://evil.example/p.svg#p) }</style>', /url\(\) to outside/],
    [
      'a quoted external url()',
      `<style>rect { fill: url( 'https://evil.example/p.svg#p') }</style>`,
      /url\(\) to outside/,
    ],
    ['url() in capitals', '<style>rect { fill: URL(https://evil.example/p.svg) }</style>', /url\(\) to outside/],
    [
      'url() split by CDATA',
      '<style>rect { fill: ur<![CDATA[l(https://evil.example/p.svg)]]> }</style>',
      /url\(\) to outside/,
    ],
    [
      'url() split by a comment',
      '<style>rect { fill: ur<!-- -->l(https://evil.example/p.svg) }</style>',
      /url\(\) to outside/,
    ],
    [
      'url() written with a character reference',
      '<style>rect { fill: &#117;rl(https://evil.example/p.svg) }</style>',
      /url\(\) to outside/,
    ],
    ['url() written with a CSS escape', '<style>rect { fill: u\\rl(https://evil.example/p.svg) }</style>', /escape/],
    [
      'url() split by a CSS comment',
      '<style>rect { fill: ur/**/l(https://evil.example/p.svg) }</style>',
      /function "l\("/,
    ],
    [
      'image-set()',
      '<style>rect { mask-image: image-set("https://evil.example/x.png" 1x) }</style>',
      /function "image-set\("/,
    ],
    ['expression()', '<style>rect { width: expression(alert(1)) }</style>', /function "expression\("/],
    ['an element inside <style>', '<style><g/>rect { fill: red }</style>', /inside <style>/],
    [
      'an external url() in a style attribute',
      '<rect style="fill: url(https://evil.example/p.svg#p)"/>',
      /url\(\) to outside/,
    ],
    [
      'an external url() in a presentation attribute',
      '<rect fill="url(https://evil.example/p.svg#p)"/>',
      /url\(\) to outside/,
    ],
    ['a CSS escape in a presentation attribute', '<rect mask="\\75rl(https://evil.example/m.svg)"/>', /escape/],
    ['a cursor image', '<rect cursor="url(https://evil.example/c.png), auto"/>', /url\(\) to outside/],
  ])('CSS: %s', (_, inner, reason) => {
    expect(inspect(svg(inner))).toMatch(reason);
  });

  it.each([
    [
      '<?xml-stylesheet?>, which can load XSLT',
      `<?xml-stylesheet type="text/xsl" href="data:text/xsl,x"?>${svg('')}`,
      /processing instruction <\?xml-stylesheet\?>/,
    ],
    ['a processing instruction inside the SVG', svg('<?php echo 1 ?>'), /processing instruction <\?php\?>/],
    ['an <svg> in no namespace', '<svg><rect/></svg>', /element <svg> \(no namespace\)/],
    ['an XHTML root', `<html xmlns="${XHTML_NS}"><body><svg xmlns="${SVG_NS}"/></body></html>`, /element <html>/],
    ['a root other than <svg>', `<g xmlns="${SVG_NS}"/>`, /root element is <g>/],
    ['an SVG namespace with spaces around it', `<svg xmlns=" ${SVG_NS}"/>`, /declares the namespace/],
    [
      'another namespace declared',
      svg('', ' xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"'),
      /declares the namespace/,
    ],
    ['an unclosed element', `<svg xmlns="${SVG_NS}"><g>`, /not well-formed/],
    ['two roots', `${svg('')}<svg xmlns="${SVG_NS}"/>`, /not well-formed/],
    ['text after the root', `${svg('')}<script>`, /not well-formed/],
    ['an HTML entity', svg('<text>&nbsp;</text>'), /not well-formed XML \(undefined entity/],
    ['an unbound prefix', svg('<x:script/>'), /not well-formed XML \(unbound namespace prefix/],
    ['a tag that is not closed', `<svg xmlns="${SVG_NS}"><rect</svg>`, /not well-formed/],
    ['nothing at all', '', /not well-formed/],
    ['a NUL byte', svg('<text>\0</text>'), /NUL byte/],
    ['elements nested 65 deep', svg(`${'<g>'.repeat(64)}${'</g>'.repeat(64)}`), /more than 64 deep/],
    // Namespaces are resolved over the parsed tree (src/core/svg.ts), as a namespace-aware parser would.
    ['elements nested 100,000 deep', svg(`${'<g>'.repeat(100_000)}${'</g>'.repeat(100_000)}`), /more than 64 deep/],
    [
      'a name with two colons',
      `<s:a:svg xmlns:s="${SVG_NS}"/>`,
      /not well-formed XML \("s:a:svg" is not a qualified name/,
    ],
    [
      'an attribute name that starts with a colon',
      svg('<rect :x="1"/>'),
      /not well-formed XML \(":x" is not a qualified name/,
    ],
    ['an element under the xmlns prefix', svg('<xmlns:rect/>'), /unbound namespace prefix: "xmlns"/],
    [
      'the xml prefix declared',
      svg('<g xmlns:xml="http://www.w3.org/XML/1998/namespace"/>'),
      /declares the prefix xml/,
    ],
    ['a prefix declared on a sibling only', svg(`<g xmlns:s="${SVG_NS}"/><s:rect/>`), /unbound namespace prefix: "s"/],
    [
      'an undefined entity after an allowed prolog',
      `<?xml version="1.0"?>${svg('<text>&x;</text>')}`,
      /undefined entity &x;/,
    ],
  ])('structure: %s', (_, document, reason) => {
    expect(inspect(document)).toMatch(reason);
  });

  it(`an SVG over ${SVG_MAX_BYTES} bytes, however harmless`, () => {
    const document = svg(`<text>${'x'.repeat(SVG_MAX_BYTES)}</text>`);
    expect(inspect(document)).toBe(`the SVG cannot be proven safe within ${SVG_MAX_BYTES} bytes`);
  });
});

const SIZE = SVG_MAX_BYTES;
const repeat = (pattern: string, size: number) => pattern.repeat(Math.ceil(size / pattern.length)).slice(0, size);
const at = (depth: number, inner: string) => `${'<g>'.repeat(depth)}${inner}${'</g>'.repeat(depth)}`;

/** Fits `payload` (cut to what is left of SIZE) into each place of a document where hostile bytes can go. */
function documentsCarrying(payload: string): Record<string, string> {
  const places: Record<string, [string, string]> = {
    'the whole document': ['', ''],
    text: [svg('<text>|</text>').split('|')[0]!, '</text></svg>'],
    'an attribute value': [svg('<g class="|"/>').split('|')[0]!, '"/></svg>'],
    '<style>': [svg('<style>|</style>').split('|')[0]!, '</style></svg>'],
    'elements 63 deep': [svg(`${'<g>'.repeat(62)}|`).split('|')[0]!, `${'</g>'.repeat(62)}</svg>`],
  };
  return Object.fromEntries(
    Object.entries(places).map(([place, [head, tail]]) => [
      place,
      head + payload.slice(0, SIZE - head.length - tail.length) + tail,
    ]),
  );
}

function timeInspect(document: string): number {
  const bytes = encode(document);
  const start = performance.now();
  inspectSvg(bytes, 'image/svg+xml');
  return performance.now() - start;
}

describe('inspectSvg runs in linear time on hostile SVGs up to the bound', () => {
  const structures: Record<string, string> = {
    'elements 63 deep, then siblings': svg(at(62, repeat('<g/>', SIZE - 1000))),
    'elements nested without end': svg(repeat('<g>', SIZE - 200)),
    'many attributes on one element': svg(
      `<g ${Array.from({ length: 60_000 }, (_, index) => `a${index}="1"`).join(' ')}/>`,
    ).slice(0, SIZE),
    'many namespace prefixes, used 63 deep': svg(
      `<g ${Array.from({ length: 10_000 }, (_, index) => `xmlns:p${index}="${SVG_NS}"`).join(' ')}>` +
        `${at(60, repeat('<p9999:rect x="1"/>', SIZE / 2))}</g>`,
    ),
    'many allowed attributes on many elements': svg(
      repeat('<rect x="1" y="2" width="3" height="4" fill="url(#a)" style="stroke:rgb(1,2,3)"/>', SIZE - 200),
    ),
    'a long attribute value ending in "("': svg(`<g class="${repeat('a', SIZE - 200)}("/>`),
    'url( followed by spaces': svg(`<g style="fill:url(${repeat(' ', SIZE - 200)}"/>`),
    'a long CSS in <style>': svg(`<style>${repeat('a-b(', SIZE - 200)}</style>`),
    'text full of references': svg(`<text>${repeat('&amp;&#106;&#x3c;', SIZE - 200)}</text>`),
    'a long comment': svg(`<!--${repeat('-a', SIZE - 200)}-->`),
    'a long CDATA section': svg(`<style><![CDATA[${repeat(']]', SIZE - 200)}]]></style>`),
    'a long element name': svg(`<${repeat('a', SIZE - 200)}/>`),
    'a long DOCTYPE': `<!DOCTYPE svg [${repeat('<!ENTITY a "b">', SIZE - 200)}]>${svg('')}`,
  };
  for (const [name, document] of Object.entries(structures)) {
    it(
      name,
      () => {
        expect(encode(document).byteLength).toBeLessThanOrEqual(SIZE);
        expect(timeInspect(document)).toBeLessThan(BOUND_MS);
      },
      2 * BOUND_MS,
    );
  }

  // What XML and CSS are made of, and what parsers backtrack on.
  const TOKENS = [
    '<',
    '</',
    '<g>',
    '</g>',
    '<g/>',
    '<rect ',
    ' x="1"',
    'a="',
    '"',
    "'",
    '=',
    '&',
    '&#x',
    '&#',
    '&amp;',
    ';',
    '<![CDATA[',
    ']]>',
    '<!--',
    '-->',
    '<?',
    '?>',
    '<!DOCTYPE a [',
    'url(',
    '(',
    ')',
    '\\',
    '@',
    `xmlns:a="${SVG_NS}" `,
    'a:',
    ' ',
    '\n',
    'a',
    '-',
    '#',
  ];
  it(
    'random mixes of those tokens, 1 MB each, in every place',
    () => {
      const pattern = fc
        .array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 12 })
        .map((tokens) => tokens.join(''));
      fc.assert(
        fc.property(pattern, (text) => {
          for (const [place, document] of Object.entries(documentsCarrying(repeat(text, SIZE)))) {
            expect(timeInspect(document), place).toBeLessThan(BOUND_MS);
          }
        }),
        { numRuns: 10 },
      );
    },
    10 * 5 * BOUND_MS,
  );
});

/** An element of a generated SVG: its children are elements, or text to be escaped. */
interface Element {
  name: string;
  attributes: [string, string][];
  children: (Element | string)[];
}

const NAMES = [
  'g',
  'defs',
  'symbol',
  'use',
  'title',
  'desc',
  'metadata',
  'svg',
  'path',
  'rect',
  'circle',
  'ellipse',
  'line',
  'polyline',
  'polygon',
  'text',
  'tspan',
  'textPath',
  'linearGradient',
  'radialGradient',
  'stop',
  'pattern',
  'clipPath',
  'mask',
  'marker',
  'filter',
  'feGaussianBlur',
  'feOffset',
  'feMerge',
  'feMergeNode',
  'feFlood',
  'feColorMatrix',
  'feTurbulence',
];
const ID = fc.stringMatching(/^[a-z][a-z0-9_-]{0,8}$/);
const NUMBER = fc
  .oneof(fc.integer({ min: -1000, max: 1000 }), fc.double({ min: -1000, max: 1000, noNaN: true }))
  .map(String);
const PAINT = fc.constantFrom(
  'red',
  '#0af',
  'none',
  'currentColor',
  'rgb(1, 2, 3)',
  'hsla(120, 50%, 50%, 0.5)',
  'url(#a)',
  "url('#b') red",
);
const CSS_TEXT = fc.constantFrom(
  '.a { fill: red }',
  'rect{stroke:url(#g);opacity:.5}',
  'text { font: 12px "Open Sans", sans-serif }',
  '',
);
const ATTRIBUTE = fc.oneof(
  fc.tuple(fc.constantFrom('id', 'class'), ID),
  fc.tuple(fc.constantFrom('x', 'y', 'width', 'height', 'r', 'cx', 'cy', 'opacity', 'stroke-width', 'offset'), NUMBER),
  fc.tuple(fc.constantFrom('fill', 'stroke', 'stop-color'), PAINT),
  fc.tuple(
    fc.constant('transform'),
    fc.constantFrom('translate(1 2)', 'rotate(45, 5, 5)', 'scale(2) skewX(3)', 'matrix(1 0 0 1 0 0)'),
  ),
  fc.tuple(fc.constant('d'), fc.constantFrom('M0 0L10 10Z', 'M 10,30 A 20,20 0,0,1 50,30 Q 90,60 50,90 z')),
  fc.tuple(fc.constant('style'), CSS_TEXT),
  fc.tuple(
    fc.constantFrom('href', 'xlink:href'),
    ID.map((id) => `#${id}`),
  ),
  fc.tuple(fc.constant('xml:space'), fc.constantFrom('preserve', 'default')),
);
const STYLE = CSS_TEXT.map((css): Element => ({ name: 'style', attributes: [], children: [css] }));
const { element } = fc.letrec<{ element: Element; child: Element | string }>((tie) => ({
  element: fc.record({
    name: fc.constantFrom(...NAMES),
    attributes: fc.uniqueArray(ATTRIBUTE, { maxLength: 5, selector: ([name]) => name }),
    children: fc.array(tie('child'), { maxLength: 5 }),
  }),
  child: fc.oneof({ depthSize: 'small' }, fc.string({ maxLength: 20 }), STYLE, tie('element')),
}));

const escape = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/** One construct that can run script or reach outside the SVG, and where it goes. */
interface Forbidden {
  kind: 'element' | 'attribute' | 'prolog';
  text: string;
}
const FORBIDDEN: Forbidden[] = [
  { kind: 'element', text: '<script>alert(1)</script>' },
  { kind: 'element', text: `<s:script xmlns:s="${SVG_NS}">alert(1)</s:script>` },
  { kind: 'element', text: `<h:script xmlns:h="${XHTML_NS}">alert(1)</h:script>` },
  { kind: 'element', text: `<iframe xmlns="${XHTML_NS}" srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"/>` },
  { kind: 'element', text: `<math xmlns="${MATHML_NS}"/>` },
  { kind: 'element', text: '<foreignObject width="9" height="9"/>' },
  { kind: 'element', text: '<set attributeName="onclick" to="alert(1)"/>' },
  { kind: 'element', text: '<animate attributeName="href" values="javascript:alert(1)"/>' },
  { kind: 'element', text: '<a href="#a"><rect/></a>' },
  { kind: 'element', text: '<image href="#a"/>' },
  { kind: 'element', text: '<svg xmlns=""/>' },
  { kind: 'element', text: '<?xml-stylesheet type="text/xsl" href="x.xsl"?>' },
  { kind: 'element', text: '<style>@import "https://evil.example/x.css";</style>' },
  { kind: 'element', text: '<style>*{fill:url(https://evil.example/p.svg#p)}</style>' },
  { kind: 'attribute', text: ' onload="alert(1)"' },
  { kind: 'attribute', text: ' onclick="alert(1)"' },
  { kind: 'attribute', text: ' href="javascript:alert(1)"' },
  { kind: 'attribute', text: ' xlink:href="&#106;avascript:alert(1)"' },
  { kind: 'attribute', text: ' href="https://evil.example/x.svg#a"' },
  { kind: 'attribute', text: ' style="fill:url(https://evil.example/p.svg#p)"' },
  { kind: 'attribute', text: ' fill="url(data:image/svg+xml,x)"' },
  { kind: 'attribute', text: ' xml:base="https://evil.example/"' },
  { kind: 'attribute', text: ` xmlns:h="${XHTML_NS}"` },
  { kind: 'attribute', text: ' xlink:onclick="alert(1)"' },
  { kind: 'prolog', text: '<?xml-stylesheet type="text/xsl" href="x.xsl"?>' },
  { kind: 'prolog', text: '<!DOCTYPE svg>' },
];

/** Writes `root` as an SVG document, with `forbidden` inserted into the element numbered `at` (in document order). */
function serialize(root: Element, forbidden?: Forbidden, at = 0): string {
  let index = 0;
  const write = (node: Element | string): string => {
    if (typeof node === 'string') return escape(node);
    const here = index++ === at;
    const attributes = node.attributes.map(([name, value]) => ` ${name}="${escape(value)}"`).join('');
    const injected = here && forbidden?.kind === 'attribute' ? forbidden.text : '';
    const children = node.name === 'style' ? escape(String(node.children[0])) : node.children.map(write).join('');
    const child = here && forbidden?.kind === 'element' ? forbidden.text : '';
    return `<${node.name}${attributes}${injected}>${children}${child}</${node.name}>`;
  };
  const prolog = forbidden?.kind === 'prolog' ? forbidden.text : '';
  return prolog + svg(write(root));
}

describe('inspectSvg on generated SVGs', () => {
  it(
    'passes any document built from the allowlist',
    () => {
      fc.assert(
        fc.property(element, (root) => {
          expect(inspect(serialize(root))).toBeUndefined();
        }),
        { numRuns: 500 },
      );
    },
    BOUND_MS,
  );

  it(
    'refuses the same documents with any forbidden construct inserted in any element',
    () => {
      fc.assert(
        fc.property(element, fc.constantFrom(...FORBIDDEN), fc.nat(), (root, forbidden, position) => {
          const count = (node: Element | string): number =>
            typeof node === 'string' ? 0 : 1 + node.children.map(count).reduce((a, b) => a + b, 0);
          const document = serialize(root, forbidden, position % count(root));
          expect(inspect(document), document).toEqual(expect.any(String));
        }),
        { numRuns: 1000 },
      );
    },
    BOUND_MS,
  );
});
