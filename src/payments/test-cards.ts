// Stripe's test tokens, and the test card numbers the hosted checkout page turns into them.

/** Confirmation tokens the test processor knows, with what charging them does. */
export const TEST_TOKENS = {
  tok_visa: { ok: true },
  tok_mastercard: { ok: true },
  tok_chargeDeclined: { ok: false, declineCode: 'generic_decline', message: 'Your card was declined.' },
  tok_chargeDeclinedInsufficientFunds: { ok: false, declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  tok_chargeDeclinedExpiredCard: { ok: false, declineCode: 'expired_card', message: 'Your card has expired.' },
} as const satisfies Record<string, { ok: true } | { ok: false; declineCode: string; message: string }>;

export type TestToken = keyof typeof TEST_TOKENS;

/** Card numbers (digits only) the hosted page accepts in test mode, and the token each stands for. */
export const TEST_CARD_NUMBERS: Record<string, TestToken> = {
  '4242424242424242': 'tok_visa',
  '5555555555554444': 'tok_mastercard',
  '4000000000000002': 'tok_chargeDeclined',
  '4000000000009995': 'tok_chargeDeclinedInsufficientFunds',
  '4000000000000069': 'tok_chargeDeclinedExpiredCard',
};

export function tokenForCardNumber(cardNumber: string): TestToken | undefined {
  return TEST_CARD_NUMBERS[cardNumber.replace(/[\s-]/g, '')];
}
