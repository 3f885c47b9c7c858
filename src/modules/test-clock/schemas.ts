import { Type, type Static } from '@sinclair/typebox';
import { DateTime, UUID } from '../../kit/schemas.js';

export const TestClock = Type.Object({
  organization_id: UUID,
  /** The organization's time: the real time, moved forward by every advance. */
  now: DateTime,
  /** How far it is ahead of the real time. */
  offset_seconds: Type.Number(),
});

export const TestClockQuery = Type.Object({
  organization_id: Type.Optional(UUID),
});
export type TestClockQuery = Static<typeof TestClockQuery>;

export const TestClockAdvance = Type.Object({
  organization_id: Type.Optional(Type.Union([UUID, Type.Null()])),
  /** An ISO 8601 duration: P1M, P1Y, P7D, PT12H… */
  advance_by: Type.Optional(Type.String({ description: 'An ISO 8601 duration (P1M, P7D, PT12H…).' })),
  advance_to: Type.Optional(Type.String({ format: 'date-time' })),
});
export type TestClockAdvance = Static<typeof TestClockAdvance>;
