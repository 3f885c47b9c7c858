// What a demo store is made of: its catalog, its customers' names and countries, a seeded random
// source, and how its subscriptions and one-time orders are spread over the months (a store that
// grows: later months bring more of both).
import type { Address } from '../../db/schema/commerce.js';
import type { ProductCreate } from '../product/schemas.js';

/** A seeded random source (mulberry32): the same seed, the same store. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let value = this.state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  }

  below(count: number): number {
    return Math.floor(this.next() * count);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** An index by weight. */
  weighted(weights: readonly number[]): number {
    let left = this.next() * weights.reduce((sum, weight) => sum + weight, 0);
    for (let index = 0; index < weights.length; index += 1) {
      left -= weights[index] ?? 0;
      if (left < 0) return index;
    }
    return weights.length - 1;
  }

  /** `expected` rounded up or down at random, so that many draws sum to their expectation. */
  round(expected: number): number {
    const whole = Math.floor(expected);
    return whole + (this.chance(expected - whole) ? 1 : 0);
  }
}

/** A plan: a recurring product, its monthly price first (and a yearly one for some). */
export interface PlanSpec {
  name: string;
  description: string;
  monthly: number;
  yearly?: number;
  /** Share of new subscribers. */
  weight: number;
}

export const PLANS: readonly PlanSpec[] = [
  { name: 'Starter', description: 'For side projects: one seat, community support.', monthly: 900, yearly: 9000, weight: 50 },
  { name: 'Pro', description: 'For professionals: five seats, priority support.', monthly: 2900, yearly: 29000, weight: 35 },
  { name: 'Team', description: 'For teams: unlimited seats, SSO, a support channel.', monthly: 9900, weight: 15 },
];

export interface ItemSpec {
  name: string;
  description: string;
  amount: number;
  weight: number;
}

export const ITEMS: readonly ItemSpec[] = [
  { name: 'Icon Pack', description: '1,200 icons in SVG and PNG.', amount: 1900, weight: 40 },
  { name: 'Field Guide (e-book)', description: 'Shipping a product, from idea to first customer.', amount: 1200, weight: 30 },
  { name: 'Workshop Recording', description: 'Four hours of the live workshop, with its slides.', amount: 4900, weight: 20 },
  { name: 'Lifetime License', description: 'Every future version, once.', amount: 14900, weight: 10 },
];

export function planProduct(plan: PlanSpec): ProductCreate {
  return {
    name: plan.name,
    description: plan.description,
    prices: [
      { type: 'recurring', amount_type: 'fixed', recurring_interval: 'month', price_amount: plan.monthly, price_currency: 'usd' },
      ...(plan.yearly ? [{ type: 'recurring' as const, amount_type: 'fixed' as const, recurring_interval: 'year' as const, price_amount: plan.yearly, price_currency: 'usd' }] : []),
    ],
    metadata: { demo: true },
  };
}

export function itemProduct(item: ItemSpec): ProductCreate {
  return { name: item.name, description: item.description, prices: [{ type: 'one_time', amount_type: 'fixed', price_amount: item.amount, price_currency: 'usd' }], metadata: { demo: true } };
}

/** What happens to the subscriptions each month, as shares of those active. */
export const MONTHLY_RATES = {
  /** Canceled by their customer, at the end of the period. */
  cancel: 0.04,
  /** Revoked at once. */
  revoke: 0.005,
  /** Moved up a plan (Starter to Pro, within the month) or to yearly billing (charged at once). */
  upgrade: 0.015,
};
/** New subscribers who pay yearly (where their plan has a yearly price). */
export const YEARLY_SHARE = 0.15;
/** Subscribers whose card fails at renewal (they go past due, then end when the retries run out). */
export const FAILING_CARD_SHARE = 0.02;
/** One-time buyers who already are customers; subscribers who already bought something. */
export const RETURNING_BUYER_SHARE = 0.35;
export const RETURNING_SUBSCRIBER_SHARE = 0.2;
/** One-time purchases whose card is declined at the checkout (no order). */
export const DECLINED_SHARE = 0.01;

/** How much of the history's new business falls in month `month` of `months`: a growing store. */
export function monthWeight(month: number, months: number): number {
  return 1 + (2 * month) / Math.max(1, months - 1);
}

const FIRST_NAMES = [
  'Ada', 'Alan', 'Amara', 'Ana', 'Arjun', 'Astrid', 'Ben', 'Camille', 'Carlos', 'Chen', 'Chloe', 'Dara', 'David', 'Elena', 'Emil', 'Fatima', 'Felix', 'Grace',
  'Hana', 'Hugo', 'Ines', 'Ivan', 'Jonas', 'Julia', 'Kai', 'Kenji', 'Lara', 'Leo', 'Lina', 'Lucas', 'Maya', 'Mateo', 'Mei', 'Nadia', 'Noah', 'Nora', 'Omar',
  'Priya', 'Rafael', 'Rosa', 'Sami', 'Sara', 'Sofia', 'Tariq', 'Theo', 'Uma', 'Victor', 'Yara', 'Yusuf', 'Zoe',
];
const LAST_NAMES = [
  'Abara', 'Andersson', 'Bauer', 'Becker', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Haddad', 'Hoffmann', 'Ito', 'Jensen', 'Kim', 'Kowalski', 'Larsen',
  'Lopez', 'Martin', 'Meyer', 'Moreau', 'Nakamura', 'Nguyen', 'Novak', 'Okafor', 'Olsen', 'Patel', 'Perez', 'Rossi', 'Santos', 'Schmidt', 'Silva', 'Singh',
  'Smith', 'Sato', 'Tanaka', 'Torres', 'Varga', 'Wagner', 'Walker', 'Weber', 'Wilson', 'Yamamoto', 'Young', 'Zhang',
];
const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'CA', 'NL', 'SE', 'ES', 'AU', 'JP', 'BR', 'IN'] as const;
const COUNTRY_WEIGHTS = [38, 10, 9, 7, 6, 4, 3, 4, 4, 5, 5, 5];

export interface Person {
  email: string;
  name: string;
  billingAddress: Address;
}

/** The `serial`-th customer of a demo store (the serial keeps emails distinct). */
export function newPerson(random: Random, serial: number): Person {
  const first = FIRST_NAMES[random.below(FIRST_NAMES.length)] ?? 'Ada';
  const last = LAST_NAMES[random.below(LAST_NAMES.length)] ?? 'Smith';
  const country = COUNTRIES[random.weighted(COUNTRY_WEIGHTS)] ?? 'US';
  return { email: `${first}.${last}.${serial}@example.com`.toLowerCase(), name: `${first} ${last}`, billingAddress: { country } };
}
