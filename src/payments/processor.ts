// How Floe takes money: one interface, whatever takes it. The built-in test processor behaves like
// Stripe's test mode; a Stripe processor can stand behind the same interface later. The API names
// every processor `stripe`, the only name the seed-era API knows.

export interface Charge {
  /** The processor's id of the payment (a Stripe PaymentIntent id, `pi_…`). */
  id: string;
  amount: number;
  currency: string;
}

export type ChargeResult =
  | { ok: true; charge: Charge }
  | { ok: false; declineCode: string; message: string };

export interface ChargeRequest {
  /** The confirmation token the checkout form produced (Stripe's `ctoken_…`, or a test token). */
  confirmationTokenId: string;
  amount: number;
  currency: string;
  /** Makes retries of one charge safe: the same key never charges twice. */
  idempotencyKey: string;
  customerEmail: string;
}

export interface PaymentProcessor {
  /** The name the API reports (`payment_processor`). */
  readonly name: 'stripe';
  charge(request: ChargeRequest): Promise<ChargeResult>;
}
