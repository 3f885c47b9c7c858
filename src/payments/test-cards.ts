// Stripe's test tokens, and the test card numbers the hosted checkout page turns into them.

interface TestCard {
  /** What charging the card at a checkout does. */
  readonly checkout: { ok: true } | { ok: false; declineCode: string; message: string };
  /** The saved card it becomes (Stripe's test PaymentMethod of the same card), for later charges. */
  readonly paymentMethod: string;
  readonly brand: string;
  readonly last4: string;
}

const DECLINED = { ok: false, declineCode: 'generic_decline', message: 'Your card was declined.' } as const;

/** Confirmation tokens the test processor knows, with what charging them does. */
export const TEST_TOKENS = {
  tok_visa: { checkout: { ok: true }, paymentMethod: 'pm_card_visa', brand: 'visa', last4: '4242' },
  tok_mastercard: { checkout: { ok: true }, paymentMethod: 'pm_card_mastercard', brand: 'mastercard', last4: '4444' },
  // Accepted at checkout, declined on every later charge: Stripe's card for testing failed renewals.
  // Stripe's Amex test token reads back as card 8431, not the 0005 of the number typed for it.
  tok_amex: { checkout: { ok: true }, paymentMethod: 'pm_card_amex', brand: 'amex', last4: '8431' },
  tok_chargeCustomerFail: { checkout: { ok: true }, paymentMethod: 'pm_card_chargeCustomerFail', brand: 'visa', last4: '0341' },
  tok_chargeDeclined: { checkout: DECLINED, paymentMethod: 'pm_card_chargeDeclined', brand: 'visa', last4: '0002' },
  tok_chargeDeclinedInsufficientFunds: {
    checkout: { ok: false, declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' },
    paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds',
    brand: 'visa',
    last4: '9995',
  },
  tok_chargeDeclinedExpiredCard: {
    checkout: { ok: false, declineCode: 'expired_card', message: 'Your card has expired.' },
    paymentMethod: 'pm_card_chargeDeclinedExpiredCard',
    brand: 'visa',
    last4: '0069',
  },
} as const satisfies Record<string, TestCard>;

export type TestToken = keyof typeof TEST_TOKENS;

/** Saved test cards whose later charges fail, and how (the others pay). */
export const FAILING_PAYMENT_METHODS: Record<string, { declineCode: string; message: string }> = {
  pm_card_chargeCustomerFail: DECLINED,
  pm_card_chargeDeclined: DECLINED,
  pm_card_chargeDeclinedInsufficientFunds: TEST_TOKENS.tok_chargeDeclinedInsufficientFunds.checkout,
  pm_card_chargeDeclinedExpiredCard: TEST_TOKENS.tok_chargeDeclinedExpiredCard.checkout,
};

/** Card numbers (digits only) the hosted page accepts in test mode, and the token each stands for. */
export const TEST_CARD_NUMBERS: Record<string, TestToken> = {
  '4242424242424242': 'tok_visa',
  '5555555555554444': 'tok_mastercard',
  '378282246310005': 'tok_amex',
  '4000000000000341': 'tok_chargeCustomerFail',
  '4000000000000002': 'tok_chargeDeclined',
  '4000000000009995': 'tok_chargeDeclinedInsufficientFunds',
  '4000000000000069': 'tok_chargeDeclinedExpiredCard',
};

export function tokenForCardNumber(cardNumber: string): TestToken | undefined {
  return TEST_CARD_NUMBERS[cardNumber.replace(/[\s-]/g, '')];
}

export function testCardOf(token: string): TestCard | undefined {
  return Object.hasOwn(TEST_TOKENS, token) ? TEST_TOKENS[token as TestToken] : undefined;
}
