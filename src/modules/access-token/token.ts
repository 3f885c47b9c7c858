// Token values: a prefix, 37 random alphanumerics, and a 6-character base62 CRC32 checksum of the
// two, so that a mistyped token can be told from an unknown one without a lookup.
import { randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62(value: number, width: number): string {
  let out = '';
  for (let rest = value; rest > 0; rest = Math.floor(rest / 62)) out = ALPHABET[rest % 62] + out;
  return out.padStart(width, '0');
}

export function generateToken(prefix: string): string {
  let body = '';
  for (let index = 0; index < 37; index++) body += ALPHABET[randomInt(62)];
  return `${prefix}${body}${base62(crc32(prefix + body), 6)}`;
}
