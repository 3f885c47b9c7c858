import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { renderPdf } from '../../src/kit/pdf.js';

// The reader's own copies of the standard fonts (Helvetica), so it needs nothing from the system.
const standardFontDataUrl = fileURLToPath(new URL('../../node_modules/pdfjs-dist/standard_fonts/', import.meta.url));

async function textOf(pdf: Buffer): Promise<{ pages: number; text: string[] }> {
  const document = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: false, standardFontDataUrl }).promise;
  const text: string[] = [];
  for (let number = 1; number <= document.numPages; number++) {
    const content = await (await document.getPage(number)).getTextContent();
    for (const item of content.items) if ('str' in item) text.push(item.str);
  }
  return { pages: document.numPages, text };
}

test('a rendered PDF opens in a real PDF reader with its text, escaped and Latin-1', async () => {
  const pdf = renderPdf([{ text: 'Invoice (draft) \\ #1', size: 18, bold: true }, { text: 'Café — 12,00 €' }], 'Invoice');
  assert.equal(pdf.subarray(0, 8).toString('latin1'), '%PDF-1.4');
  const { pages, text } = await textOf(pdf);
  assert.equal(pages, 1);
  assert.ok(text.includes('Invoice (draft) \\ #1'), text.join('|'));
  assert.ok(text.includes('Café ? 12,00 ?'), text.join('|'));
});

test('long documents break onto further pages', async () => {
  const lines = Array.from({ length: 120 }, (_, index) => ({ text: `Line ${index}` }));
  const { pages, text } = await textOf(renderPdf(lines, 'Long'));
  assert.ok(pages >= 2);
  assert.ok(text.includes('Line 0') && text.includes('Line 119'));
});
