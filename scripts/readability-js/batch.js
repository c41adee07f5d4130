// readability.js + jsdom over many pages in one process, like `newswatch article --batch`:
// page paths on stdin, one JSON line per page on stdout ({file, title, byline, text} or
// {file, error}). The text is the article element's text with a blank line between
// blocks, as newswatch writes it, so that words of adjacent paragraphs are not glued
// together (readability's own textContent would glue them and lose points unfairly).
// Pages are read as UTF-8, as the benchmark's pages are saved (given bytes, jsdom
// would take windows-1252 for a page without a charset and garble its words).
const { Readability } = require('@mozilla/readability');
const { JSDOM } = require('jsdom');
const fs = require('node:fs');

const BLOCK = new Set(['P', 'DIV', 'SECTION', 'ARTICLE', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6',
  'UL', 'OL', 'LI', 'BLOCKQUOTE', 'PRE', 'TABLE', 'TR', 'TD', 'TH', 'FIGURE', 'FIGCAPTION',
  'BR', 'HR', 'DL', 'DT', 'DD', 'HEADER', 'FOOTER', 'ASIDE', 'MAIN']);

function text(node, out) {
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 3) out.push(c.nodeValue);
    else if (c.nodeType === 1) {
      const block = BLOCK.has(c.tagName);
      if (block) out.push('\n\n');
      text(c, out);
      if (block) out.push('\n\n');
    }
  }
  return out;
}

const files = fs.readFileSync(0, 'utf-8').split('\n').filter(Boolean);
for (const file of files) {
  let row;
  try {
    const dom = new JSDOM(fs.readFileSync(file, 'utf-8'), { url: 'https://example.com/article' });
    const a = new Readability(dom.window.document, { serializer: (el) => el }).parse();
    row = a
      ? { file, title: a.title, byline: a.byline, text: text(a.content, []).join('').replace(/[ \t\r\f\v\u00a0]+/g, ' ').replace(/\s*\n\s*/g, '\n\n').trim() }
      : { file, error: 'no article found' };
  } catch (e) {
    row = { file, error: String(e) };
  }
  process.stdout.write(JSON.stringify(row) + '\n');
}
