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

/**
 * Characters that reorder or hide text: controls, private-use and lone-surrogate code points, and the default
 * ignorable ones (bidi embeddings, overrides and isolates, zero-width spaces, Hangul fillers…) plus the blank
 * Braille pattern — except the joiners and selectors that shape visible text (ZWNJ and ZWJ in Persian words and
 * emoji sequences, variation selectors, the tags of subdivision flags).
 */
const HIDDEN =
  /(?![\p{Join_Control}\p{Variation_Selector}\u{E0020}-\u{E007F}])[\p{Cc}\p{Co}\p{Cs}\p{Default_Ignorable_Code_Point}\u2800]/gu;
/** What shows as nothing even when kept: whitespace, and those joiners and selectors on their own. */
const BLANK = /^[\p{White_Space}\p{Join_Control}\p{Variation_Selector}\u{E0020}-\u{E007F}]*$/u;

/**
 * Text as a page may show it: characters that reorder or hide text removed (a bidi override would make
 * "Evil\u202Eppa" read "Evilapp"; control characters that are whitespace, like tab and newline, become spaces),
 * whitespace runs as one space, trimmed; '' when nothing visible is left. Escaping stays {@link html}'s job.
 */
export function visibleText(text: string): string {
  const kept = text
    .replace(HIDDEN, (c) => (/\p{White_Space}/u.test(c) ? ' ' : ''))
    .replace(/\p{White_Space}+/gu, ' ')
    .trim();
  return BLANK.test(kept) ? '' : kept;
}
