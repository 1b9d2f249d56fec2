/**
 * Just enough XML for UPnP device descriptions and SOAP bodies, safe on hostile input: no DTDs
 * (so no entity expansion: only the five predefined entities and character references are decoded),
 * scanning that is linear in the input, and callers bound the input's size before it gets here.
 */
import { failResult, okResult, type PortMapResult } from './errors.js';

/** Refuses a document carrying a DTD or entity declarations. */
export function checkXml(text: string): PortMapResult<string> {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) return failResult('PORTMAP_BAD_XML', 'a DTD or entity declaration');
  return okResult(text);
}

const NAME = /^[A-Za-z_][\w.-]*$/;

/**
 * The raw contents of every `<name>` element (any namespace prefix), in document order; a
 * self-closing element gives ''. Same-name elements must not nest (none do in UPnP's schemas).
 */
export function elements(xml: string, name: string): string[] {
  if (!NAME.test(name)) return [];
  const open = new RegExp(`<(?:[A-Za-z_][\\w.-]*:)?${name}(?:\\s[^<>]*)?>`, 'g');
  const close = new RegExp(`</(?:[A-Za-z_][\\w.-]*:)?${name}\\s*>`, 'g');
  const out: string[] = [];
  for (let m = open.exec(xml); m; m = open.exec(xml)) {
    if (m[0].endsWith('/>')) {
      out.push('');
      continue;
    }
    close.lastIndex = open.lastIndex;
    const c = close.exec(xml);
    if (!c) break;
    out.push(xml.slice(open.lastIndex, c.index));
    open.lastIndex = close.lastIndex;
  }
  return out;
}

/** The decoded text of the first `<name>` element, or undefined. */
export function textOf(xml: string, name: string): string | undefined {
  const e = elements(xml, name)[0];
  return e === undefined ? undefined : decodeText(e);
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Character data to text: predefined entities and character references; other `&x;` stay as is. */
export function decodeText(raw: string): string {
  return raw.trim().replace(/&(#x[0-9A-Fa-f]{1,6}|#[0-9]{1,7}|[a-z]{2,4});/g, (all, ref: string) => {
    if (ref.startsWith('#')) {
      const n = ref[1] === 'x' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : all;
    }
    return PREDEFINED[ref] ?? all;
  });
}

export function escapeText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&${Object.keys(PREDEFINED).find((k) => PREDEFINED[k] === c)};`);
}
