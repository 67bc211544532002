import { SaxesParser } from 'saxes';

// S3 answers in small, flat XML documents: a root whose children are leaves (`<UploadId>`) or,
// for listings, repeated records of leaves (`<Part>`). Read with saxes, a strict streaming parser
// that runs in linear time; no DOM, so the same code runs where there is no DOMParser.

/** An S3 XML answer's root name, its leaves (the first of each name) and its `record` elements' leaves. */
export interface S3Xml {
  root: string;
  fields: Record<string, string>;
  records: Record<string, string>[];
}

/**
 * Reads an S3 XML answer; `undefined` when `body` is not well-formed XML (a proxy's HTML page, a
 * truncated answer), rather than a guess.
 *
 * @example
 * ```ts
 * readS3Xml('<ListPartsResult><Part><PartNumber>1</PartNumber></Part></ListPartsResult>', 'Part')?.records;
 * // [{ PartNumber: '1' }]
 * ```
 */
export function readS3Xml(body: string, record?: string): S3Xml | undefined {
  const result: S3Xml = { root: '', fields: {}, records: [] };
  // Only the path's depth matters: a record is a child of the root, its leaves grandchildren.
  let depth = 0;
  let text = '';
  let current: Record<string, string> | undefined;
  const parser = new SaxesParser();
  parser.on('opentag', (tag) => {
    depth++;
    text = '';
    if (depth === 1) result.root = tag.name;
    if (depth === 2 && tag.name === record) result.records.push((current = {}));
  });
  parser.on('text', (chunk) => (text += chunk));
  parser.on('cdata', (chunk) => (text += chunk));
  parser.on('closetag', (tag) => {
    const into = depth === 2 ? result.fields : depth === 3 ? current : undefined;
    if (into && !tag.isSelfClosing && tag.name !== record) into[tag.name] ??= text.trim();
    else if (into && tag.isSelfClosing) into[tag.name] ??= '';
    if (depth === 2) current = undefined;
    depth--;
    text = '';
  });
  try {
    parser.write(body).close();
  } catch {
    return undefined;
  }
  return result.root ? result : undefined;
}

/**
 * `text` with the characters XML reserves in element content escaped.
 *
 * @example
 * ```ts
 * `<ETag>${escapeXml('"a&b"')}</ETag>`; // '<ETag>"a&amp;b"</ETag>'
 * ```
 */
export const escapeXml = (text: string): string =>
  text.replace(/[&<>]/g, (char) => (char === '&' ? '&amp;' : char === '<' ? '&lt;' : '&gt;'));
