import { SaxesParser } from 'saxes';
import type { ErrorXml } from './explain-failure.js';

interface OpenElement {
  name: string;
  text: string;
  hasChildren: boolean;
}

/**
 * The leaf elements of an S3 `<Error>` document (the first of each name), read with saxes, a
 * strict streaming XML parser that runs in linear time. A body that is not well-formed XML (a
 * proxy's HTML page, a truncated answer) yields no fields rather than a guess.
 *
 * @example
 * ```ts
 * readErrorXml('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>').fields.Message; // 'Request has expired'
 * ```
 */
export function readErrorXml(body: string): ErrorXml {
  const fields: Record<string, string> = {};
  const open: OpenElement[] = [];
  const parser = new SaxesParser();
  const addText = (text: string) => {
    const element = open.at(-1);
    if (element) element.text += text;
  };
  parser.on('opentag', (tag) => {
    const parent = open.at(-1);
    if (parent) parent.hasChildren = true;
    open.push({ name: tag.name, text: '', hasChildren: false });
  });
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('closetag', () => {
    const element = open.pop()!;
    if (!element.hasChildren) fields[element.name] ??= element.text.trim();
  });
  try {
    parser.write(body).close();
  } catch {
    return { fields: {} };
  }
  return { code: fields.Code, fields };
}
