import type { ErrorXml } from './explain-failure.js';

/**
 * The leaf elements of an S3 `<Error>` document (the first of each name), read with the platform's
 * `DOMParser`, so the browser client carries no XML parser of its own. Where there is none (Node,
 * a Web Worker), and for a body that is not well-formed XML, it yields no fields.
 *
 * @example
 * ```ts
 * readErrorXmlWithDom('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>').code; // 'AccessDenied'
 * ```
 */
export function readErrorXmlWithDom(body: string): ErrorXml {
  if (typeof DOMParser !== 'function') return { fields: {} };
  const document = new DOMParser().parseFromString(body, 'application/xml');
  // Browsers report a well-formedness error as a <parsererror> element inside the document.
  if (document.getElementsByTagName('parsererror').length > 0) return { fields: {} };
  const fields: Record<string, string> = {};
  for (const element of document.getElementsByTagName('*')) {
    if (element.childElementCount === 0) fields[element.nodeName] ??= (element.textContent ?? '').trim();
  }
  return { code: fields.Code, fields };
}
