import { randomUUID } from 'node:crypto';

/** Resource ids are random UUID v4, lowercase, as Polar's. */
export function newId(): string {
  return randomUUID();
}
