import assert from 'node:assert/strict';

/** Awaits a call that must fail with the given SDK error class, and returns the error to inspect. */
export async function expectError<E extends Error>(call: Promise<unknown>, errorClass: abstract new (...args: never[]) => E): Promise<E> {
  try {
    await call;
  } catch (error) {
    if (error instanceof errorClass) return error;
    assert.fail(`expected ${errorClass.name}, got ${String(error)}${(error as { body?: string }).body ? ` ${(error as { body: string }).body}` : ''}`);
  }
  assert.fail(`expected ${errorClass.name}, but the call succeeded`);
}
