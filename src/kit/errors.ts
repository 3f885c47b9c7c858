// Typed errors, thrown by services and turned into Polar's bodies by the one handler in http.ts.

export class PolarError extends Error {
  constructor(
    readonly statusCode: number,
    readonly errorName: string,
    detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  body(): Record<string, unknown> {
    return { error: this.errorName, detail: this.message };
  }
}

export class BadRequest extends PolarError {
  constructor(detail = 'Bad request', errorName = 'BadRequest') {
    super(400, errorName, detail);
  }
}

export class Unauthorized extends PolarError {
  constructor(detail = 'Unauthorized') {
    super(401, 'Unauthorized', detail, { 'www-authenticate': 'Bearer realm="polar"' });
  }
}

/**
 * A bad bearer token (RFC 6750). The challenge header carries the OAuth2 error; the body keeps
 * Polar's shape (`Unauthorized` 401, `NotPermitted` 403) so that the SDK's error classes parse it.
 */
export class BearerError extends PolarError {
  constructor(statusCode: 401 | 403, oauthError: 'invalid_token' | 'insufficient_scope', description: string, scope?: string) {
    const challenge = [`Bearer realm="polar"`, `error="${oauthError}"`, `error_description="${description}"`];
    if (scope) challenge.push(`scope="${scope}"`);
    super(statusCode, statusCode === 401 ? 'Unauthorized' : 'NotPermitted', description, {
      'www-authenticate': challenge.join(', '),
      'cache-control': 'no-store',
      pragma: 'no-cache',
    });
  }
}

export class NotPermitted extends PolarError {
  constructor(detail = 'Not permitted', errorName = 'NotPermitted') {
    super(403, errorName, detail);
  }
}

/** A rate limit was hit; `retryAfterSeconds` is when the caller may try again. */
export class TooManyRequests extends PolarError {
  constructor(retryAfterSeconds: number, detail = 'Too many requests: try again later.') {
    super(429, 'TooManyRequests', detail, { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
  }
}

export class ResourceNotFound extends PolarError {
  constructor(detail = 'Not found') {
    super(404, 'ResourceNotFound', detail);
  }
}

export class ResourceAlreadyExists extends PolarError {
  constructor(detail = 'This resource already exists.') {
    super(409, 'ResourceAlreadyExists', detail);
  }
}

export class ResourceUnavailable extends PolarError {
  constructor(detail = 'Unavailable') {
    super(410, 'ResourceUnavailable', detail);
  }
}

export type Location = (string | number)[];

export interface ValidationIssue {
  type: string;
  loc: Location;
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

/** A 422: framework-level (`RequestValidationError`) or a business rule (`PolarRequestValidationError`). */
export class RequestValidationError extends PolarError {
  constructor(
    readonly issues: ValidationIssue[],
    errorName: 'RequestValidationError' | 'PolarRequestValidationError' = 'RequestValidationError',
  ) {
    super(422, errorName, issues.map((issue) => issue.msg).join('; '));
  }

  override body(): Record<string, unknown> {
    return { error: this.errorName, detail: this.issues };
  }
}

/** A business-rule validation failure on one field, e.g. `new ValidationError(['body', 'slug'], 'taken', slug)`. */
export class ValidationError extends RequestValidationError {
  constructor(loc: Location, msg: string, input: unknown = null, type = 'value_error') {
    super([{ type, loc, msg, input }], 'PolarRequestValidationError');
  }
}

/** Collects several business-rule failures so that one 422 reports them all. */
export class ValidationIssues {
  readonly issues: ValidationIssue[] = [];

  add(loc: Location, msg: string, input: unknown = null, type = 'value_error'): void {
    this.issues.push({ type, loc, msg, input });
  }

  throwIfAny(): void {
    if (this.issues.length > 0) throw new RequestValidationError(this.issues, 'PolarRequestValidationError');
  }
}
