import { parseXml, XmlElement } from '@rgrove/parse-xml';
import type { ErrorXml } from './explain-failure.js';

/**
 * The leaf elements of an S3 `<Error>` document (the first of each name), read with
 * @rgrove/parse-xml, a strict XML parser that runs in linear time. A body that is not well-formed
 * XML (a proxy's HTML page, a truncated answer) yields no fields rather than a guess.
 *
 * @example
 * ```ts
 * readErrorXml('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>').fields.Message; // 'Request has expired'
 * ```
 */
export function readErrorXml(body: string): ErrorXml {
  let root: XmlElement | null;
  try {
    root = parseXml(body).root;
  } catch {
    return { fields: {} };
  }
  const fields: Record<string, string> = {};
  // Depth first, in document order, with a stack of its own rather than one call per level.
  const pending: XmlElement[] = root ? [root] : [];
  while (pending.length > 0) {
    const element = pending.pop()!;
    const children = element.children.filter((child): child is XmlElement => child instanceof XmlElement);
    if (children.length === 0) fields[element.name] ??= element.text.trim();
    for (let index = children.length - 1; index >= 0; index--) pending.push(children[index]!);
  }
  return { code: fields.Code, fields };
}
