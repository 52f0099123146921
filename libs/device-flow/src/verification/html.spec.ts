import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from './html.js';

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
