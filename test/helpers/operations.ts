// Floe's operations as its own OpenAPI document lists them (hidden routes, pages and private ones,
// are not in it), for the tests that must cover every operation.
import assert from 'node:assert/strict';
import type { TestApp } from './app.js';

export type JsonSchema = Record<string, any>;

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema: JsonSchema;
}

export interface Operation {
  /** e.g. "get /v1/products/{id}" */
  key: string;
  method: string;
  path: string;
  operationId?: string;
  parameters: Parameter[];
  /** The JSON body's schema, if the operation takes one. */
  body?: JsonSchema;
  bodyRequired: boolean;
  /** Media types the operation consumes besides JSON (e.g. the OAuth2 form endpoints). */
  consumes: string[];
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

export async function loadOperations(floe: TestApp): Promise<Operation[]> {
  const response = await fetch(`${floe.baseUrl}/openapi.json`);
  assert.equal(response.status, 200);
  const document = (await response.json()) as { paths: Record<string, Record<string, any>> };
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (!METHODS.has(method)) continue;
      const content = (operation.requestBody?.content ?? {}) as Record<string, { schema: JsonSchema }>;
      operations.push({
        key: `${method} ${path}`,
        method,
        path,
        operationId: operation.operationId,
        parameters: (operation.parameters ?? []) as Parameter[],
        body: content['application/json']?.schema,
        bodyRequired: operation.requestBody?.required === true,
        consumes: Object.keys(content).filter((type) => type !== 'application/json'),
      });
    }
  }
  return operations;
}

/** The path with its parameters filled in (each value URL-encoded). */
export function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/\{([^}]+)\}/g, (_whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`no value for path parameter ${name} of ${path}`);
    return encodeURIComponent(value);
  });
}
