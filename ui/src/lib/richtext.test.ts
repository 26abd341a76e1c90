// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { hasFormatting, htmlToPlain, linkAddress, plainToHtml, stripQuoteHtml } from './richtext';

describe('htmlToPlain', () => {
  // The same cases as the core's html_to_text (src/api/message.rs).
  it.each([
    ['Hello', 'Hello\n'],
    ['a<br>b<br><br>c', 'a\nb\n\nc\n'],
    ['first<div>second</div><div><br></div><div>fourth</div>', 'first\nsecond\n\nfourth\n'],
    ['<p>One</p><p>Two  \n  words</p>', 'One\n\nTwo words\n'],
    ['<ul><li>milk</li><li>eggs</li></ul>', '- milk\n- eggs\n'],
    ['Intro<ol><li>one</li><li>two</li></ol>After', 'Intro\n\n1. one\n2. two\n\nAfter\n'],
    ['<ul><li>a<ul><li>a1</li></ul></li><li>b</li></ul>', '- a\n   - a1\n- b\n'],
    ['See <a href="https://example.org/x?a=1&amp;b=2">the page</a>.', 'See the page <https://example.org/x?a=1&b=2>.\n'],
    ['<a href="https://example.org/">https://example.org/</a>', 'https://example.org/\n'],
    ['<a href="mailto:bob@example.test">Bob</a>', 'Bob <bob@example.test>\n'],
    ['<ul><li><a href="https://e.test/">e</a></li></ul>', '- e <https://e.test/>\n'],
    ['Bob wrote:<blockquote>Hi<br>there<p>para</p></blockquote>Thanks', 'Bob wrote:\n\n> Hi\n> there\n>\n> para\n\nThanks\n'],
    ['<blockquote>outer<blockquote>inner</blockquote></blockquote>', '> outer\n>\n> > inner\n'],
    ['<b>bold</b> <i>it</i>&nbsp;&nbsp;x &lt;tag&gt; &#233;&#x263A;', 'bold it  x <tag> é☺\n'],
    ['<pre>  code\n    indented</pre>', '  code\n    indented\n'],
    ['a<script>hidden</script>b<style>p{}</style>', 'ab\n'],
    ['em\u2003space', 'em\u2003space\n'],
    ['', ''],
    ['<div><br></div>', ''],
  ])('%j', (html, plain) => {
    expect(htmlToPlain(html)).toBe(plain);
  });
});

describe('plainToHtml', () => {
  it('puts each line in a div, escapes markup and keeps runs of spaces', () => {
    expect(plainToHtml('Hi <Bob> & co\n\n  two  spaces\n')).toBe('<div>Hi &lt;Bob&gt; &amp; co</div><div><br></div><div>&nbsp; two&nbsp; spaces</div>');
    expect(plainToHtml('')).toBe('');
  });

  it('round-trips plain text', () => {
    const text = 'Dear Bob,\n\nthe figures:\n  a  b\nAlice\n';
    expect(htmlToPlain(plainToHtml(text))).toBe(text);
  });
});

describe('hasFormatting', () => {
  it('is true for inline styles, lists, quotes and links, not for lines', () => {
    expect(hasFormatting('<div>a</div><div><br></div>')).toBe(false);
    for (const h of ['<b>x</b>', '<i>x</i>', '<u>x</u>', '<ul><li>x</li></ul>', '<blockquote>x</blockquote>', '<a href="https://x.test">x</a>']) {
      expect(hasFormatting(h)).toBe(true);
    }
  });
});

describe('linkAddress', () => {
  it('keeps http(s) and mailto, completes bare hosts and addresses, refuses the rest', () => {
    expect(linkAddress(' https://example.org/a?b=1 ')).toBe('https://example.org/a?b=1');
    expect(linkAddress('http://example.org')).toBe('http://example.org');
    expect(linkAddress('example.org/page')).toBe('https://example.org/page');
    expect(linkAddress('bob@example.test')).toBe('mailto:bob@example.test');
    expect(linkAddress('mailto:bob@example.test')).toBe('mailto:bob@example.test');
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'file:///etc/passwd', 'not a link', '', 'localhost']) {
      expect(linkAddress(bad)).toBeNull();
    }
  });
});

describe('stripQuoteHtml', () => {
  it('drops the quoted lines, blockquotes and the intro, keeps what was written', () => {
    const intro = 'On Fri, 27 Nov 2026, Bob <bob@example.test> wrote:';
    const html = `<div><b>Thanks</b>, got it.</div>${plainToHtml(`\n${intro}\n> Line one\n>> older`)}<blockquote>also quoted</blockquote>`;
    expect(stripQuoteHtml(html, intro)).toBe('<div><b>Thanks</b>, got it.</div>');
  });
});
