// A small PDF writer for documents Floe renders itself (invoices): A4 pages of text lines in the
// standard Helvetica fonts, which every PDF reader has, so no font files or dependencies are needed.
// Text is encoded as WinAnsi (Latin-1 here); characters outside it are replaced with "?".

export interface PdfLine {
  text: string;
  /** Font size in points; 10 unless given. */
  size?: number;
  bold?: boolean;
  /** Distance from the left edge in points; 56 (about 2 cm) unless given. */
  x?: number;
  /** Extra space before the line, in points. */
  gap?: number;
}

const PAGE_WIDTH = 595;
const PAGE_HEIGHT = 842;
const MARGIN = 56;

function escapeText(text: string): string {
  const latin1 = [...text].map((character) => (character.charCodeAt(0) <= 0xff ? character : '?')).join('');
  return latin1.replace(/[\\()]/g, (character) => `\\${character}`).replace(/[\r\n]/g, ' ');
}

/** Lays the lines out top to bottom, breaking pages where they run out of room. */
function layOut(lines: PdfLine[]): string[] {
  const pages: string[] = [];
  let content: string[] = [];
  let y = PAGE_HEIGHT - MARGIN;
  for (const line of lines) {
    const size = line.size ?? 10;
    const advance = (line.gap ?? 0) + size * 1.4;
    if (y - advance < MARGIN && content.length > 0) {
      pages.push(content.join('\n'));
      content = [];
      y = PAGE_HEIGHT - MARGIN;
    }
    y -= advance;
    content.push(`BT /${line.bold ? 'F2' : 'F1'} ${size} Tf ${line.x ?? MARGIN} ${y.toFixed(2)} Td (${escapeText(line.text)}) Tj ET`);
  }
  pages.push(content.join('\n'));
  return pages;
}

/** Renders the lines as a PDF document. */
export function renderPdf(lines: PdfLine[], title: string): Buffer {
  const pages = layOut(lines);
  // Objects: 1 catalog, 2 page tree, 3 and 4 fonts, 5 info, then a page and its content per page.
  const objects: string[] = [];
  const pageIds = pages.map((_, index) => 6 + index * 2);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  objects[4] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>';
  objects[5] = `<< /Title (${escapeText(title)}) /Producer (Floe) >>`;
  pages.forEach((content, index) => {
    const pageId = pageIds[index]!;
    objects[pageId] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE_WIDTH} ${PAGE_HEIGHT}] ` +
      `/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${pageId + 1} 0 R >>`;
    objects[pageId + 1] = `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`;
  });

  const chunks: string[] = ['%PDF-1.4\n'];
  const offsets: number[] = [];
  let length = Buffer.byteLength(chunks[0]!, 'latin1');
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = length;
    const chunk = `${id} 0 obj\n${objects[id]}\nendobj\n`;
    chunks.push(chunk);
    length += Buffer.byteLength(chunk, 'latin1');
  }
  const xref = [`xref\n0 ${objects.length}\n`, '0000000000 65535 f \n'];
  for (let id = 1; id < objects.length; id++) xref.push(`${String(offsets[id]).padStart(10, '0')} 00000 n \n`);
  chunks.push(...xref, `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info 5 0 R >>\nstartxref\n${length}\n%%EOF\n`);
  return Buffer.from(chunks.join(''), 'latin1');
}
