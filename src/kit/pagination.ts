// Pagination for every list: `page` ≥ 1 and `limit` ≥ 1 (default 10, clamped to 100 as Polar does),
// answered as `{items, pagination: {total_count, max_page}}`.
import { Type, type TSchema } from '@sinclair/typebox';
import { sql, type SelectQueryBuilder } from 'kysely';

export const MAX_LIMIT = 100;

export const PaginationQuery = {
  page: Type.Integer({ minimum: 1, default: 1, description: 'Page number, defaults to 1.' }),
  limit: Type.Integer({ minimum: 1, default: 10, description: 'Size of a page, defaults to 10. Maximum is 100.' }),
};

export interface PageRequest {
  page: number;
  limit: number;
}

export interface Page<T> {
  items: T[];
  pagination: { total_count: number; max_page: number };
}

export function ListResource<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    pagination: Type.Object({ total_count: Type.Integer(), max_page: Type.Integer() }),
  });
}

export function pageWindow(request: PageRequest): { limit: number; offset: number } {
  const limit = Math.min(request.limit, MAX_LIMIT);
  // A page far past the end (page=1e300) is empty like any other past it; PostgreSQL's OFFSET is a
  // bigint, so the offset stops at the largest integer a double holds exactly.
  return { limit, offset: Math.min(limit * (request.page - 1), Number.MAX_SAFE_INTEGER) };
}

export function toPage<T>(items: T[], totalCount: number, request: PageRequest): Page<T> {
  const { limit } = pageWindow(request);
  return { items, pagination: { total_count: totalCount, max_page: Math.ceil(totalCount / limit) } };
}

/**
 * Runs a filtered, sorted query for one page and its total in a single round trip. The total is an
 * uncorrelated subquery, which PostgreSQL evaluates once (an InitPlan) by counting index entries,
 * so the page itself can stop after `limit` rows and compute its selected relations for those only
 * (a `count(*) over ()` window would have to produce every row first).
 */
export async function paginate<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  request: PageRequest,
): Promise<{ rows: O[]; totalCount: number }> {
  const { limit, offset } = pageWindow(request);
  const total = query.clearSelect().clearOrderBy().select(sql<number>`count(*)`.as('count'));
  const rows = (await query
    .select(sql<number>`(${total})`.as('__total_count'))
    .limit(limit)
    .offset(offset)
    .execute()) as (O & { __total_count: number })[];
  let totalCount: number;
  if (rows.length > 0) {
    totalCount = Number(rows[0]!.__total_count);
  } else if (offset === 0) {
    totalCount = 0;
  } else {
    const counted = await total.executeTakeFirst();
    totalCount = Number((counted as { count: number } | undefined)?.count ?? 0);
  }
  for (const row of rows) delete (row as { __total_count?: number }).__total_count;
  return { rows, totalCount };
}
