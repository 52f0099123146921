/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Markup already escaped (built by {@link html}); anything else interpolated into {@link html} is escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = SafeHtml | string | number | null | undefined | false | readonly Part[];

/**
 * Tagged template that HTML-escapes every interpolated value except nested {@link SafeHtml} (and arrays of
 * them), so a page is escaped by construction.
 */
export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

function render(v: Part): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(v);
}

/** Control, formatting, private-use, unassigned and lone-surrogate characters, and the blank-looking letters. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\u115F\u1160\u3164\uFFA0\u2800]/gu;

/**
 * Text as a page may show it: control and formatting characters (bidi overrides such as U+202E, which would make
 * "Evil\u202Eppa" read "Evilapp", zero-width characters) and characters that show as nothing (Hangul fillers,
 * the blank Braille pattern) removed — control characters that are whitespace (tab, newline) become spaces —
 * then whitespace runs as one space, trimmed. Escaping stays {@link html}'s job.
 */
export function visibleText(text: string): string {
  return text
    .replace(INVISIBLE, (c) => (/\s/.test(c) ? ' ' : ''))
    .replace(/\s+/g, ' ')
    .trim();
}
