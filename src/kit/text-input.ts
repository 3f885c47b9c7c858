// Text PostgreSQL cannot store: NUL (text and jsonb refuse it) and lone UTF-16 surrogates (they have
// no UTF-8 form, and jsonb refuses their escapes). A request carrying either anywhere in its path,
// query or JSON body (a value or a key) gets a 422 naming the place, as pydantic names a string it
// cannot read, rather than failing in the database with a 500.
import { EventEmitter } from 'node:events';
import type { App } from './http.js';
import { RequestValidationError, type Location } from './errors.js';

const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function findUnstorable(value: unknown, loc: Location, depth = 0): { loc: Location; input: string } | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? { loc, input: value } : undefined;
  if (depth > 64 || value === null || typeof value !== 'object') return undefined;
  // Parsed JSON, a query or path only: an upload's body is a stream (an EventEmitter) or bytes.
  if (value instanceof EventEmitter || ArrayBuffer.isView(value)) return undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnstorable(item, [...loc, index], depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    if (UNSTORABLE.test(key)) return { loc: [...loc, key], input: key };
    const found = findUnstorable(item, [...loc, key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function registerTextInputCheck(app: App): void {
  app.addHook('preValidation', (request, _reply, done) => {
    const parts: [string, unknown][] = [['path', request.params], ['query', request.query], ['body', request.body]];
    for (const [part, value] of parts) {
      const found = findUnstorable(value, [part]);
      if (found) {
        const msg = 'Input should be a valid string: it holds a NUL character or an unpaired surrogate';
        return done(new RequestValidationError([{ type: 'string_unicode', loc: found.loc, msg, input: found.input }]));
      }
    }
    done();
  });
}
