// Server-rendered pages: HTML built from escaped values, styled inline, scripted with plain
// JavaScript served by Floe (nothing fetched from elsewhere at run time).

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** An amount in cents as the pages show it ("25.00 USD"; no amount: free). */
export function money(cents: number | null, currency: string | null): string {
  return cents === null ? 'Free' : `${(cents / 100).toFixed(2)} ${(currency ?? 'usd').toUpperCase()}`;
}

/** JSON safe to embed in a <script> element. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f6f7f9;color:#111}
main{max-width:960px;margin:0 auto;padding:16px;display:grid;gap:16px}
@media(min-width:800px){main{grid-template-columns:1fr 1fr;padding:40px}}
section{background:#fff;border-radius:12px;padding:20px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:1.4rem;margin:0 0 8px}.price{font-size:1.8rem;font-weight:600}.muted{color:#666}
label{display:block;font-size:.9rem;margin:12px 0 4px}input,select{width:100%;padding:10px;border:1px solid #ccc;border-radius:8px;font:inherit}
button{margin-top:16px;width:100%;padding:12px;border:0;border-radius:8px;background:#0062ff;color:#fff;font:600 1rem system-ui;cursor:pointer}
button[disabled]{opacity:.6}.error{color:#b00020;margin-top:12px}.media{max-width:100%;border-radius:8px}
.row{display:flex;gap:8px}.row>*{flex:1}.total{display:flex;justify-content:space-between;margin-top:8px}
main.portal{display:block;max-width:820px}main.portal>*{margin-bottom:16px}main.portal header{align-items:center}main.portal header form{flex:0 0 auto}
h2{font-size:1.15rem;margin:0 0 12px}h3{font-size:1rem;margin:12px 0 4px}table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:6px 4px;border-bottom:1px solid #eee}
article{border-top:1px solid #eee;padding-top:8px;margin-top:8px}form.inline{display:inline}form.inline button,.copy,button.secondary{width:auto;margin:0;padding:6px 12px}
button.secondary{background:#e8ebf0;color:#111}.success{color:#0a7a3d;margin-top:12px}.notice{background:#fff4e5;color:#8a4b00;border-radius:8px;padding:8px 12px}.payment-method{margin-top:12px}.row>.copy{flex:0 0 auto}article form+form{margin-top:12px}pre{white-space:pre-wrap;background:#f6f7f9;padding:8px;border-radius:8px}
@media(max-width:480px){main{padding:8px}section{padding:14px}th:nth-child(3),td:nth-child(3){display:none}}`;

export function page(title: string, body: string, script?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}${script ? `<script>${script}</script>` : ''}</body></html>`;
}
