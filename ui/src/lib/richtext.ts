// Formatted compose text: HTML from the editor to readable plain text and back, and the link
// addresses the editor accepts. The core renders the sent text/plain alternative itself with the
// same rules (src/message/html.rs html_to_text); this one is for the draft's `body` and for
// turning Formatted off.

/** Elements whose content is never text (dropped with everything inside). */
const DROPPED = new Set(['script', 'style', 'template', 'iframe', 'object', 'embed', 'noscript', 'svg', 'math', 'head', 'title']);
const PARAGRAPH = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'dl']);
const LINE = new Set(['div', 'tr', 'dt', 'dd', 'center', 'caption']);

class PlainText {
  out = '';
  /** newlines owed before the next text */
  breaks = 0;
  /** quote depth of the blank lines owed (the shallower side) */
  gapQuote = 0;
  quote = 0;
  /** open lists: null bulleted, else the next number */
  lists: (number | null)[] = [];
  marker: string | null = null;
  pendingSpace = false;
  pre = 0;
  links: { href: string; start: number }[] = [];

  block(n: number): void {
    if (this.breaks === 0) this.gapQuote = this.quote;
    this.gapQuote = Math.min(this.gapQuote, this.quote);
    this.breaks = Math.max(this.breaks, n);
    this.pendingSpace = false;
  }

  lineBreak(): void {
    if (this.breaks === 0) this.gapQuote = this.quote;
    this.breaks += 1;
    this.pendingSpace = false;
  }

  startText(): void {
    if (this.out === '') this.breaks = 0;
    const atStart = this.out === '' || this.breaks > 0;
    for (let i = 0; i < this.breaks; i++) {
      this.out += '\n';
      if (i + 1 < this.breaks && this.gapQuote > 0) this.out += '>'.repeat(this.gapQuote);
    }
    this.breaks = 0;
    if (atStart) {
      this.out += '> '.repeat(this.quote);
      if (this.marker !== null) {
        this.out += '   '.repeat(Math.max(0, this.lists.length - 1)) + this.marker;
        this.marker = null;
      } else if (this.lists.length > 0) {
        this.out += '   '.repeat(this.lists.length);
      }
      this.pendingSpace = false;
    } else if (this.pendingSpace) {
      this.out += ' ';
      this.pendingSpace = false;
    }
  }

  text(t: string): void {
    if (this.pre > 0) {
      t.split('\n').forEach((line, i) => {
        if (i > 0) this.lineBreak();
        if (line) {
          this.startText();
          this.out += line.replace(/\u00a0/g, ' ');
        }
      });
      return;
    }
    // HTML white space collapses (ASCII only: not the no-break spaces an editor writes for runs).
    const words = t.split(/[ \t\n\r\f]+/);
    if (/^[ \t\n\r\f]/.test(t)) this.pendingSpace = true;
    words.forEach((w, i) => {
      if (w) {
        this.startText();
        this.out += w.replace(/\u00a0/g, ' ');
      }
      if (i + 1 < words.length) this.pendingSpace = true;
    });
  }

  open(name: string, el: Element): void {
    if (name === 'br') this.lineBreak();
    else if (PARAGRAPH.has(name)) this.block(2);
    else if (LINE.has(name)) this.block(1);
    else if (name === 'pre') {
      this.block(2);
      this.pre += 1;
    } else if (name === 'hr') {
      this.block(1);
      this.startText();
      this.out += '----';
      this.block(1);
    } else if (name === 'blockquote') {
      this.block(2);
      this.quote += 1;
    } else if (name === 'ul' || name === 'ol') {
      this.block(this.lists.length === 0 ? 2 : 1);
      this.lists.push(name === 'ol' ? 1 : null);
    } else if (name === 'li') {
      this.block(1);
      const top = this.lists.length - 1;
      const n = top >= 0 ? this.lists[top] : null;
      if (n === null) this.marker = '- ';
      else {
        this.marker = `${n}. `;
        this.lists[top] = n + 1;
      }
    } else if (name === 'td' || name === 'th') this.pendingSpace = true;
    else if (name === 'a') {
      if (this.breaks > 0 || this.marker !== null || this.out === '') this.startText();
      this.links.push({ href: el.getAttribute('href') ?? '', start: this.out.length });
    }
  }

  close(name: string): void {
    if (PARAGRAPH.has(name)) this.block(2);
    else if (LINE.has(name) || name === 'li') this.block(1);
    else if (name === 'pre') {
      this.pre = Math.max(0, this.pre - 1);
      this.block(2);
    } else if (name === 'blockquote') {
      this.quote = Math.max(0, this.quote - 1);
      this.block(2);
    } else if (name === 'ul' || name === 'ol') {
      this.lists.pop();
      this.marker = null;
      this.block(this.lists.length === 0 ? 2 : 1);
    } else if (name === 'a') {
      const link = this.links.pop();
      if (!link) return;
      const text = this.out.slice(link.start).trim();
      const shown = link.href.startsWith('mailto:') ? link.href.slice(7) : link.href;
      if (!link.href || link.href.startsWith('#') || text === link.href || text === shown) return;
      if (!text) {
        this.startText();
        this.out += shown;
      } else this.out += ` <${shown}>`;
    }
  }

  finish(): string {
    const lines = this.out.split('\n').map((l) => l.trimEnd());
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }
}

function walk(node: Node, p: PlainText): void {
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === 3) p.text(child.nodeValue ?? '');
    else if (child.nodeType === 1) {
      const el = child as Element;
      const name = el.localName;
      if (DROPPED.has(name)) continue;
      p.open(name, el);
      walk(el, p);
      p.close(name);
    }
  }
}

/**
 * Readable plain text of formatted text: paragraphs apart by a blank line, line breaks kept,
 * list items as "- " or "1. ", quoted lines with "> ", links as "text <url>".
 */
export function htmlToPlain(html: string): string {
  // A parsed document is inert: no scripts run, no images load.
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const p = new PlainText();
  walk(doc.body, p);
  return p.finish();
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Plain text as editor HTML: a line each (an empty line as a line break), runs of spaces kept. */
export function plainToHtml(text: string): string {
  const t = text.replace(/\r\n?/g, '\n').replace(/\n+$/, '');
  if (!t) return '';
  return t
    .split('\n')
    .map((line) => (line ? `<div>${escapeHtml(line).replace(/^ | (?= )/g, '&nbsp;')}</div>` : '<div><br></div>'))
    .join('');
}

/** Whether HTML carries formatting that plain text loses (anything but lines and paragraphs). */
export function hasFormatting(html: string): boolean {
  return /<(b|strong|i|em|u|ul|ol|li|blockquote|a|h[1-6]|pre|s|strike|code)\b/i.test(html);
}

/**
 * The link address for what the user typed: http(s) and mailto as they are, a bare address or
 * host name completed; anything else (javascript:, data:, file:…) refused with null.
 */
export function linkAddress(input: string): string | null {
  const v = input.trim();
  if (!v || /\s/.test(v)) return null;
  if (/^https?:\/\/[^/\s]+/i.test(v)) return v;
  if (/^mailto:[^@\s]+@[^@\s]+$/i.test(v)) return v;
  if (/^[^@\s/:]+@[^@\s/:]+\.[^@\s/:]+$/.test(v)) return `mailto:${v}`;
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?([/?#].*)?$/i.test(v)) return `https://${v}`;
  return null;
}

/**
 * Editor HTML without the quote of a reply: blockquotes, lines that start with ">" and the
 * quote's intro line, then the empty lines left at the end.
 */
export function stripQuoteHtml(html: string, intro: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  for (const el of [...doc.body.querySelectorAll('blockquote')]) el.remove();
  for (const el of [...doc.body.children]) {
    const t = (el.textContent ?? '').trim();
    if (t.startsWith('>') || t === intro.trim()) el.remove();
  }
  let last = doc.body.lastElementChild;
  while (last && !(last.textContent ?? '').trim()) {
    last.remove();
    last = doc.body.lastElementChild;
  }
  return doc.body.innerHTML;
}
