// The RS256 keys OpenID Connect ID tokens are signed with (JOSE through `jose`, never by hand).
// A key is made on first use and kept in the database; `floe oauth2 rotate-key` retires it and
// makes the next. The JWKS publishes every key retired less than an ID token's lifetime ago, so a
// token signed just before a rotation still verifies until it expires.
//
// The private JWK is stored encrypted with AES-256-GCM under a key derived from FLOE_SECRET: the
// secret already guards every token's HMAC, and a database dump without it cannot sign tokens.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type KeyLike } from 'jose';
import { clock } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';

export const ID_TOKEN_LIFETIME_SECONDS = 3600;
const ALGORITHM = 'RS256';

function encryptionKey(secret: string): Buffer {
  return createHash('sha256').update(`floe:oauth2-signing-key:${secret}`).digest();
}

function encrypt(secret: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey(secret), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
}

function decrypt(secret: string, stored: string): string {
  const [iv, tag, body] = stored.split('.').map((part) => Buffer.from(part, 'base64url'));
  const decipher = createDecipheriv('aes-256-gcm', encryptionKey(secret), iv!);
  decipher.setAuthTag(tag!);
  return Buffer.concat([decipher.update(body!), decipher.final()]).toString('utf8');
}

async function insertKey(trx: Transaction, secret: string): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair(ALGORITHM, { modulusLength: 2048, extractable: true });
  const kid = randomBytes(12).toString('base64url');
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALGORITHM, use: 'sig' };
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: ALGORITHM };
  await trx
    .insertInto('oauth2_signing_keys')
    .values({ kid, created_at: clock.now(), public_jwk: JSON.stringify(publicJwk), private_jwk_encrypted: encrypt(secret, JSON.stringify(privateJwk)) })
    .execute();
  return kid;
}

/** One key change at a time across processes (two first uses must not make two keys). */
async function lockKeys(trx: Transaction): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtextextended('floe:oauth2_signing_keys', 0))`.execute(trx);
}

/** Retires the signing key and makes the next one; answers the new key's id. */
export async function rotateSigningKey(trx: Transaction, secret: string): Promise<{ kid: string; retired: string[] }> {
  await lockKeys(trx);
  const retired = await trx.updateTable('oauth2_signing_keys').set({ retired_at: clock.now() }).where('retired_at', 'is', null).returning('kid').execute();
  return { kid: await insertKey(trx, secret), retired: retired.map((row) => row.kid) };
}

/** Imported private keys by kid: importing costs more than reading the row. */
const importedKeys = new Map<string, Promise<KeyLike | Uint8Array>>();

async function currentSigningKey(trx: Transaction, secret: string): Promise<{ kid: string; key: KeyLike | Uint8Array }> {
  let row = await trx.selectFrom('oauth2_signing_keys').select(['kid', 'private_jwk_encrypted']).where('retired_at', 'is', null).executeTakeFirst();
  if (!row) {
    await lockKeys(trx);
    row = await trx.selectFrom('oauth2_signing_keys').select(['kid', 'private_jwk_encrypted']).where('retired_at', 'is', null).executeTakeFirst();
    if (!row) {
      const kid = await insertKey(trx, secret);
      row = await trx.selectFrom('oauth2_signing_keys').select(['kid', 'private_jwk_encrypted']).where('kid', '=', kid).executeTakeFirstOrThrow();
    }
  }
  const { kid, private_jwk_encrypted: encrypted } = row;
  let key = importedKeys.get(kid);
  if (!key) {
    key = importJWK(JSON.parse(decrypt(secret, encrypted)) as JWK, ALGORITHM);
    importedKeys.set(kid, key);
  }
  return { kid, key: await key };
}

/** The public keys that may have signed a live ID token: current, or retired within an ID token's lifetime. */
export async function publicJwks(db: Queryable): Promise<{ keys: JWK[] }> {
  const since = new Date(clock.now().getTime() - ID_TOKEN_LIFETIME_SECONDS * 1000);
  const rows = await db
    .selectFrom('oauth2_signing_keys')
    .select('public_jwk')
    .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', since)]))
    .orderBy('created_at', 'desc')
    .execute();
  return { keys: rows.map((row) => row.public_jwk as unknown as JWK) };
}

/** Signs an ID token (RS256, with the current key's kid) holding `claims`, valid for an hour from now. */
export async function signIdToken(trx: Transaction, secret: string, claims: Record<string, unknown>): Promise<string> {
  const { kid, key } = await currentSigningKey(trx, secret);
  const issuedAt = Math.floor(clock.now().getTime() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: ALGORITHM, kid, typ: 'JWT' })
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ID_TOKEN_LIFETIME_SECONDS)
    .sign(key);
}
