import { describe, expect, it } from 'vitest';
import { escapeXml, readS3Xml } from '../../src/core/s3-xml.js';

describe('readS3Xml', () => {
  it("reads the root's leaves and each record's, with entities and CDATA resolved", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
      <ListPartsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
        <Bucket>b</Bucket><Key>a &amp; b.mp4</Key><IsTruncated>false</IsTruncated><Owner><ID>x</ID></Owner>
        <Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag><Size>5</Size></Part>
        <Part><PartNumber>2</PartNumber><ETag><![CDATA["e2"]]></ETag><Size>3</Size><Empty/></Part>
      </ListPartsResult>`;

    expect(readS3Xml(xml, 'Part')).toEqual({
      root: 'ListPartsResult',
      fields: { Bucket: 'b', Key: 'a & b.mp4', IsTruncated: 'false', Owner: '' },
      records: [
        { PartNumber: '1', ETag: '"e1"', Size: '5' },
        { PartNumber: '2', ETag: '"e2"', Size: '3', Empty: '' },
      ],
    });
  });

  it.each([
    ['HTML from a proxy', '<html><body><p>Bad gateway</body></html>'],
    ['a truncated answer', '<Error><Code>SlowDown</Code><Mess'],
    ['no XML at all', 'Service Unavailable'],
    ['an empty body', ''],
    ['an undeclared entity', '<Error><Code>&xxe;</Code></Error>'],
    ['an entity its DOCTYPE declares', '<!DOCTYPE Error [<!ENTITY x "y">]><Error><Code>&x;</Code></Error>'],
    ['elements nested 100,000 deep', `<Error>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</Error>`],
  ])('reads %s as nothing rather than guess', (_, body) => {
    expect(readS3Xml(body)).toBeUndefined();
  });
});

describe('escapeXml', () => {
  it('escapes what element content reserves, so an ETag cannot add elements', () => {
    expect(escapeXml('"a&b"</ETag><PartNumber>9')).toBe('"a&amp;b"&lt;/ETag&gt;&lt;PartNumber&gt;9');
  });
});
