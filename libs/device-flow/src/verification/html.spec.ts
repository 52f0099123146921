import { describe, expect, it } from 'vitest';
import { escapeHtml, html, visibleText } from './html.js';

describe('html escaping', () => {
  it('escapes every character that can break out of text or a quoted attribute', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`=`)).toBe(
      '&#60;a href&#61;&#34;x&#34; onclick&#61;&#39;y&#39;&#62;&#38;&#96;&#61;',
    );
    expect(escapeHtml(null)).toBe('');
    expect(escapeHtml(42)).toBe('42');
  });

  it('escapes interpolations but not nested html fragments', () => {
    const inner = html`<b>${'<i>'}</b>`;
    const out = html`<p title="${'"x"'}">${inner}${['<', html`<br />`]}${false}${null}</p>`;
    expect(out.value).toBe('<p title="&#34;x&#34;"><b>&#60;i&#62;</b>&#60;<br /></p>');
  });
});

describe('visibleText', () => {
  it('removes what reorders or hides text, and keeps what shapes visible text', () => {
    expect(visibleText('Evil\u202Eppa\u202C \u200BTV\n App')).toBe('Evilppa TV App');
    expect(visibleText('a \u200B b\tc\u0000d\u0085e')).toBe('a b cd e');
    expect(visibleText('Evil\uFEFFapp')).toBe('Evilapp');
    // Emoji sequences (ZWJ, variation selector, flag tags) and a Persian word (ZWNJ) stay whole.
    for (const kept of ['👨‍👩‍👧', '❤️', '🏴󠁧󠁢󠁥󠁮󠁧󠁿', 'می‌خواهم']) expect(visibleText(kept)).toBe(kept);
  });

  it('is empty when nothing visible is left', () => {
    for (const blank of [
      '',
      ' \t',
      '\u202E\u200B \u3164\u2800',
      '\u034F\u17B4\u17B5',
      '\u200D\uFE0F',
    ])
      expect(visibleText(blank)).toBe('');
  });
});
