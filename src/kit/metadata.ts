// Metadata on resources: at most 50 keys of 1–40 characters; values strings (≤ 500), integers or booleans.
// An update that sends `metadata` replaces the whole object.
import { Type } from '@sinclair/typebox';

const MetadataValue = Type.Union([Type.String({ minLength: 1, maxLength: 500 }), Type.Integer(), Type.Boolean()]);

export const MetadataInput = Type.Record(Type.String(), MetadataValue, {
  maxProperties: 50,
  propertyNames: { minLength: 1, maxLength: 40 },
});

export const MetadataOutput = Type.Record(Type.String(), Type.Union([Type.String(), Type.Integer(), Type.Boolean()]));

export type Metadata = Record<string, string | number | boolean>;
