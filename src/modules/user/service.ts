// Users: the people behind personal access tokens and organization memberships.
import { sql } from 'kysely';
import type { Transaction } from '../../kit/db.js';
import { newId } from '../../kit/ids.js';
import { clock } from '../../kit/clock.js';

export interface User {
  id: string;
  email: string;
}

export async function findOrCreateUser(trx: Transaction, email: string): Promise<User> {
  const normalized = email.trim();
  await trx
    .insertInto('users')
    .values({ id: newId(), email: normalized, created_at: clock.now() })
    .onConflict((conflict) => conflict.expression(sql`lower(email)`).doNothing())
    .execute();
  return trx
    .selectFrom('users')
    .select(['id', 'email'])
    .where((eb) => eb(eb.fn('lower', [eb.ref('email')]), '=', normalized.toLowerCase()))
    .executeTakeFirstOrThrow();
}
