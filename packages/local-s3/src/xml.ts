/**
 * The little XML S3 speaks: documents built from nested tags, and request bodies (a list of
 * parts, a list of keys) read with patterns, since their shapes are flat and fixed.
 */
export type XmlNode = [name: string, content: string | number | boolean | XmlNode[] | undefined];

const namespace = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function render([name, content]: XmlNode): string {
  if (content === undefined) return '';
  const inner = Array.isArray(content) ? content.map(render).join('') : escapeXml(String(content));
  return `<${name}>${inner}</${name}>`;
}

export function xmlDocument(root: string, children: XmlNode[], withNamespace = true): string {
  const attributes = withNamespace ? ` xmlns="${namespace}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${attributes}>${children.map(render).join('')}</${root}>`;
}

export function unescapeXml(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|apos|#(\d+)|#x([0-9a-fA-F]+));/g, (_match, name: string, decimal?: string, hex?: string) => {
    if (decimal) return String.fromCodePoint(Number(decimal));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[name]!;
  });
}

/** The text of every `<tag>` element inside `xml` (elements of one level, no nesting of `tag`). */
export function elements(xml: string, tag: string): string[] {
  const pattern = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>|<${tag}(?:\\s[^>]*)?/>`, 'g');
  return [...xml.matchAll(pattern)].map((match) => match[1] ?? '');
}

export function element(xml: string, tag: string): string | undefined {
  const found = elements(xml, tag);
  return found.length > 0 ? unescapeXml(found[0]!) : undefined;
}
