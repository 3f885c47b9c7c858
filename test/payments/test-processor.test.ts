import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenForCardNumber } from '../../src/payments/test-cards.js';
import { TestPaymentProcessor } from '../../src/payments/test-processor.js';

const request = (confirmationTokenId: string, idempotencyKey = confirmationTokenId) => ({ confirmationTokenId, amount: 1500, currency: 'usd', idempotencyKey, customerEmail: 'buyer@example.com' });

test('test tokens succeed or decline as in Stripe test mode; unknown tokens are invalid', async () => {
  const processor = new TestPaymentProcessor();
  for (const token of ['tok_visa', 'tok_mastercard']) {
    const result = await processor.charge(request(token));
    assert.ok(result.ok && result.charge.amount === 1500 && result.charge.id.startsWith('pi_test_'));
  }
  const declines = { tok_chargeDeclined: 'generic_decline', tok_chargeDeclinedInsufficientFunds: 'insufficient_funds', tok_chargeDeclinedExpiredCard: 'expired_card' };
  for (const [token, code] of Object.entries(declines)) {
    const result = await processor.charge(request(token));
    assert.ok(!result.ok && result.declineCode === code, token);
  }
  const unknown = await processor.charge(request('tok_nonsense'));
  assert.ok(!unknown.ok && unknown.declineCode === 'invalid_token');
  const proto = await processor.charge(request('toString'));
  assert.ok(!proto.ok);
});

test('the same idempotency key never charges twice', async () => {
  const processor = new TestPaymentProcessor();
  const first = await processor.charge(request('tok_visa', 'checkout-1'));
  const again = await processor.charge(request('tok_visa', 'checkout-1'));
  const other = await processor.charge(request('tok_visa', 'checkout-2'));
  assert.ok(first.ok && again.ok && other.ok);
  assert.equal(again.charge.id, first.charge.id);
  assert.notEqual(other.charge.id, first.charge.id);
});

test('the hosted page’s test card numbers map to the tokens', () => {
  assert.equal(tokenForCardNumber('4242 4242 4242 4242'), 'tok_visa');
  assert.equal(tokenForCardNumber('4000-0000-0000-0002'), 'tok_chargeDeclined');
  assert.equal(tokenForCardNumber('1234 5678 9012 3456'), undefined);
});

test('a subscription’s card is saved; later charges pay, or fail for Stripe’s 0341 card', async () => {
  const processor = new TestPaymentProcessor();
  const visa = await processor.charge({ ...request('tok_visa'), savePaymentMethod: true });
  assert.ok(visa.ok && visa.paymentMethod?.id === 'pm_card_visa' && visa.paymentMethod.last4 === '4242');
  const failing = await processor.charge({ ...request('tok_chargeCustomerFail'), savePaymentMethod: true });
  assert.ok(failing.ok, 'accepted at checkout');
  const saved = { amount: 900, currency: 'usd', customerEmail: 'buyer@example.com' };
  const renewal = await processor.chargeSaved({ ...saved, paymentMethodId: visa.paymentMethod.id, idempotencyKey: 'renewal-1' });
  assert.ok(renewal.ok && renewal.charge.amount === 900);
  const again = await processor.chargeSaved({ ...saved, paymentMethodId: visa.paymentMethod.id, idempotencyKey: 'renewal-1' });
  assert.ok(again.ok && again.charge.id === renewal.charge.id, 'the same key charges once');
  const declined = await processor.chargeSaved({ ...saved, paymentMethodId: failing.paymentMethod!.id, idempotencyKey: 'renewal-2' });
  assert.ok(!declined.ok && declined.declineCode === 'generic_decline');
  assert.ok(!(await processor.chargeSaved({ ...saved, paymentMethodId: 'pm_nonsense', idempotencyKey: 'renewal-3' })).ok);
  assert.equal(tokenForCardNumber('4000 0000 0000 0341'), 'tok_chargeCustomerFail');
  const replaced = await processor.savePaymentMethod({ confirmationTokenId: 'tok_mastercard' });
  assert.ok(replaced.ok && replaced.paymentMethod.id === 'pm_card_mastercard');
  assert.ok(!(await processor.savePaymentMethod({ confirmationTokenId: 'tok_chargeDeclined' })).ok);
});
