import { parseXml, XmlElement, XmlText } from '@rgrove/parse-xml';

// S3 answers in small, flat XML documents: a root whose children are leaves (`<UploadId>`) or,
// for listings, repeated records of leaves (`<Part>`). Read with @rgrove/parse-xml, a strict
// parser that runs in linear time and expands no entity a DOCTYPE declares; it needs no DOM, so
// the same code runs where there is no DOMParser.

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
  let root: XmlElement | null;
  try {
    root = parseXml(body).root;
  } catch {
    return undefined;
  }
  if (!root) return undefined;
  const result: S3Xml = { root: root.name, fields: {}, records: [] };
  for (const child of childElements(root)) {
    if (child.name === record) result.records.push(leavesOf(child));
    else result.fields[child.name] ??= leafText(child);
  }
  return result;
}

/** The leaf elements of `element` (the first of each name) with their text. */
function leavesOf(element: XmlElement): Record<string, string> {
  const leaves: Record<string, string> = {};
  for (const child of childElements(element)) leaves[child.name] ??= leafText(child);
  return leaves;
}

const childElements = (element: XmlElement) =>
  element.children.filter((child): child is XmlElement => child instanceof XmlElement);

/** A leaf's text, trimmed; an element with elements inside has none of its own. */
const leafText = (element: XmlElement) =>
  element.children.some((child) => child instanceof XmlElement)
    ? ''
    : element.children
        .filter((child): child is XmlText => child instanceof XmlText)
        .map((child) => child.text)
        .join('')
        .trim();

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
