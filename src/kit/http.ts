// The HTTP platform every module's routes run on: Fastify with TypeBox, one error handler that
// speaks Polar's error shapes, authentication from each route's `config.auth`, and the OpenAPI
// document generated from the route schemas.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { answerClientError, answerFrameworkError } from './wire-errors.js';
import { registerTextInputCheck } from './text-input.js';
import { timingSafeEqual } from 'node:crypto';
import { checkSubject, credentialOf, type Authenticator, type AuthRequirement, type Credential, type CustomerSubject, type MerchantSubject, type Subject } from './auth.js';
import { NotPermitted, PolarError, RequestValidationError, type ValidationIssue } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; routes without it are public. */
    auth?: AuthRequirement;
    /** `false` for a route whose work may outlast the request time limit by design (moving a test clock far). */
    timeLimit?: false;
  }
  interface FastifyRequest {
    subject: Subject;
  }
}

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  import('fastify').FastifyBaseLogger,
  TypeBoxTypeProvider
>;

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export const BODY_LIMIT = 1024 * 1024;
/** How long a request may take by default, from its first byte to its answer (a stream, once open, is not limited). */
export const REQUEST_TIME_LIMIT_MS = 30_000;

function createAjv(options: { coerceTypes: boolean | 'array' }): Ajv {
  // `discriminator` lets a union tagged by one property (e.g. a file's `service`) report only the
  // errors of the branch its tag names.
  // `strictNumbers`: "1e999" in a query, or 1e999 in JSON, is Infinity, which is no integer and no number.
  const ajv = new Ajv({ allErrors: true, removeAdditional: true, useDefaults: true, strict: true, strictNumbers: true, discriminator: true, ...options });
  addFormats(ajv);
  // Keywords TypeBox and @fastify/swagger put in schemas for documentation only.
  ajv.addKeyword({ keyword: 'example' });
  return ajv;
}

export function createHttpServer(options: { logLevel: string; requestTimeLimitMs?: number }): App {
  const timeLimitMs = options.requestTimeLimitMs ?? REQUEST_TIME_LIMIT_MS;
  const app = Fastify({
    logger: {
      level: options.logLevel,
      // Never log credentials.
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
    bodyLimit: BODY_LIMIT,
    // A client has this long to send its whole request (no connection held open by a slow sender).
    requestTimeout: timeLimitMs,
    // Path tokens (a download link's signed token) are longer than the default 100 characters.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorateRequest('subject', undefined as never);
  registerTextInputCheck(app);
  // A request still unanswered after the time limit gets a 503 rather than holding its caller (and
  // a connection) indefinitely; a stream that has begun answering is not cut.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.config.timeLimit === false) return done();
    const timer = setTimeout(() => {
      if (reply.sent || reply.raw.headersSent) return;
      request.log.warn({ url: request.url }, 'request time limit reached');
      reply.code(503).type('application/json').header('retry-after', '1').send(JSON.stringify({ error: 'ServiceUnavailable', detail: 'The request took too long: try again.' }));
    }, timeLimitMs);
    timer.unref();
    reply.raw.once('close', () => clearTimeout(timer));
    reply.raw.once('finish', () => clearTimeout(timer));
    done();
  });
  // Query strings and paths are text, so their values are coerced to the schema's types (and a lone
  // value to an array); JSON bodies are typed already and are never coerced (5 stays a number).
  const textParts = createAjv({ coerceTypes: 'array' });
  const body = createAjv({ coerceTypes: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? body : textParts).compile(schema));
  return app;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';

/**
 * Authenticates every route that declares `config.auth`, before its body is read. A dashboard
 * session (the cookie) must also send its CSRF token with every write: the cookie is SameSite=Lax,
 * and the header is what no other site's form or script can add.
 */
export function registerAuthentication(app: App, authenticator: Authenticator): void {
  const checkCsrf = (request: FastifyRequest, credential: Credential | undefined) => {
    if (credential?.via !== 'cookie' || SAFE_METHODS.has(request.method)) return;
    if (!authenticator.isCsrfToken(credential.token, request.headers[CSRF_HEADER])) throw new NotPermitted('Missing or invalid CSRF token.');
  };
  // Callback style: a cached token is checked without a promise or an extra tick.
  app.addHook('onRequest', (request, _reply, done) => {
    const requirement = request.routeOptions.config.auth;
    if (!requirement) {
      request.subject = { kind: 'anonymous' };
      return done();
    }
    const credential = credentialOf(request.headers);
    try {
      const cached = authenticator.resolveCached(credential);
      if (cached !== undefined) {
        request.subject = checkSubject(cached, requirement);
        checkCsrf(request, credential);
        return done();
      }
    } catch (error) {
      return done(error as Error);
    }
    authenticator
      .resolve(credential)
      .then((subject) => {
        request.subject = checkSubject(subject, requirement);
        checkCsrf(request, credential);
      })
      .then(() => done(), (error: Error) => done(error));
  });
}

/** Compares two strings in time independent of where they differ. */
export function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const serializedBodies = new WeakMap<object, ReturnType<FastifyReply['serialize']>>();

/**
 * Sends a value that is sent many times as the same object (a page from an in-process cache):
 * serialized once, by the route's response schema, and the text reused while the object lives.
 */
export function sendShared(reply: FastifyReply, value: object): FastifyReply {
  let body = serializedBodies.get(value);
  if (body === undefined) {
    body = reply.serialize(value);
    serializedBodies.set(value, body);
  }
  return reply.type('application/json').send(body);
}

/**
 * Lets the routes of `scope` take URL-encoded form bodies (pages' forms, OAuth2's endpoints) as a
 * flat object of strings; the API elsewhere stays JSON-only.
 */
export function acceptForms(scope: App): void {
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
}

/** The subject of a route that accepts only merchants (users and organizations). */
export function merchantOf(request: FastifyRequest): MerchantSubject {
  const subject = request.subject;
  if (subject.kind !== 'user' && subject.kind !== 'organization') throw new Error(`route expects a merchant subject, got ${subject.kind}`);
  return subject;
}

export function customerOf(request: FastifyRequest): CustomerSubject {
  const subject = request.subject;
  if (subject.kind !== 'customer') throw new Error(`route expects a customer subject, got ${subject.kind}`);
  return subject;
}

const LOCATION_OF_PART: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };
const REQUEST_FIELD_OF_PART: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** Translates one Ajv error into the issue shape (type, loc, msg, input) Polar's framework reports. */
function toIssue(error: AjvError, part: string, data: unknown): ValidationIssue {
  const path: (string | number)[] = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
  const loc = [LOCATION_OF_PART[part] ?? part, ...path];
  const input = valueAt(data, path) ?? null;
  const params = error.params;
  switch (error.keyword) {
    case 'required':
      return { type: 'missing', loc: [...loc, String(params.missingProperty)], msg: 'Field required', input };
    case 'additionalProperties':
      return { type: 'extra_forbidden', loc: [...loc, String(params.additionalProperty)], msg: 'Extra inputs are not permitted', input };
    case 'type': {
      const type = String(params.type).split(',')[0];
      const names: Record<string, string> = { integer: 'int', number: 'float', boolean: 'bool', string: 'string', object: 'dict', array: 'list' };
      const name = names[type ?? ''] ?? type;
      return { type: `${name}_type`, loc, msg: `Input should be a valid ${type === 'object' ? 'dictionary' : type}`, input };
    }
    case 'minLength':
      return { type: 'string_too_short', loc, msg: `String should have at least ${params.limit} character${params.limit === 1 ? '' : 's'}`, input, ctx: { min_length: params.limit } };
    case 'maxLength':
      return { type: 'string_too_long', loc, msg: `String should have at most ${params.limit} characters`, input, ctx: { max_length: params.limit } };
    case 'minimum':
      return { type: 'greater_than_equal', loc, msg: `Input should be greater than or equal to ${params.limit}`, input, ctx: { ge: params.limit } };
    case 'exclusiveMinimum':
      return { type: 'greater_than', loc, msg: `Input should be greater than ${params.limit}`, input, ctx: { gt: params.limit } };
    case 'maximum':
      return { type: 'less_than_equal', loc, msg: `Input should be less than or equal to ${params.limit}`, input, ctx: { le: params.limit } };
    case 'exclusiveMaximum':
      return { type: 'less_than', loc, msg: `Input should be less than ${params.limit}`, input, ctx: { lt: params.limit } };
    case 'minItems':
      return { type: 'too_short', loc, msg: `List should have at least ${params.limit} item${params.limit === 1 ? '' : 's'}`, input };
    case 'maxItems':
      return { type: 'too_long', loc, msg: `List should have at most ${params.limit} items`, input };
    case 'maxProperties':
      return { type: 'too_long', loc, msg: `Dictionary should have at most ${params.limit} items`, input };
    case 'enum':
      return { type: 'enum', loc, msg: `Input should be ${(params.allowedValues as unknown[]).map((v) => `'${String(v)}'`).join(', ')}`, input };
    case 'const':
      return { type: 'literal_error', loc, msg: `Input should be '${String(params.allowedValue)}'`, input };
    case 'pattern':
      return { type: 'string_pattern_mismatch', loc, msg: `String should match pattern '${params.pattern}'`, input };
    case 'format': {
      const formats: Record<string, [string, string]> = {
        uuid: ['uuid_parsing', 'Input should be a valid UUID'],
        'date-time': ['datetime_parsing', 'Input should be a valid datetime'],
        date: ['date_parsing', 'Input should be a valid date'],
        uri: ['url_parsing', 'Input should be a valid URL'],
        email: ['value_error', 'value is not a valid email address'],
      };
      const [type, msg] = formats[String(params.format)] ?? ['value_error', `Input should be a valid ${params.format}`];
      return { type, loc, msg, input };
    }
    case 'discriminator': {
      const tag = String(params.tag);
      const tagLoc = [...loc, tag];
      const tagValue = valueAt(data, [...path, tag]);
      // The same issue as `required` reports for the tag, so the two collapse into one.
      if (tagValue === undefined) return { type: 'missing', loc: tagLoc, msg: 'Field required', input };
      return { type: 'union_tag_invalid', loc: tagLoc, msg: `Input tag '${String(tagValue)}' found using '${tag}' does not match any of the expected tags`, input: tagValue };
    }
    case 'propertyNames':
      return { type: 'value_error', loc, msg: 'Invalid key', input };
    default:
      return { type: 'value_error', loc, msg: error.message ?? 'Invalid value', input };
  }
}

/** Ajv reports a failed union as one error per branch plus the union itself: keep what says most. */
function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.type}|${JSON.stringify(issue.loc)}|${issue.msg}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function send(reply: FastifyReply, statusCode: number, headers: Record<string, string>, body: unknown): FastifyReply {
  return reply.code(statusCode).headers(headers).type('application/json').send(JSON.stringify(body));
}

/** SQLSTATEs of a server that is away or going: connection exceptions, shutdowns, startup, no free connection. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Socket errors of a connection that failed or was lost (PostgreSQL's, or another service's the request needed). */
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** What pg says of a connection it lost (it gives these errors no code). */
const LOST_CONNECTION = /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect)/;

/**
 * Whether a request failed because PostgreSQL is away (a restart, a failover, no connection to be
 * had): a 503 the caller may retry, not a 500. The request's transaction did not commit.
 */
function isDatabaseUnavailable(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth += 1) {
    const { code, syscall } = cause as NodeJS.ErrnoException;
    if (typeof code === 'string' && (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08') || CONNECTION_ERROR_CODES.has(code))) return true;
    // A socket that could not be opened (ENOENT: a Unix socket whose server is gone).
    if (syscall === 'connect') return true;
    if (LOST_CONNECTION.test(cause.message)) return true;
  }
  return false;
}

export function registerErrorHandling(app: App): void {
  app.setErrorHandler((error: FastifyError | PolarError | Error, request, reply) => {
    if (error instanceof PolarError) return send(reply, error.statusCode, error.headers, error.body());
    const fastifyError = error as FastifyError & { validationContext?: string };
    if (fastifyError.validation) {
      const part = fastifyError.validationContext ?? 'body';
      const data = (request as unknown as Record<string, unknown>)[REQUEST_FIELD_OF_PART[part] ?? part];
      const issues = dedupe(fastifyError.validation.map((item) => toIssue(item as AjvError, part, data)));
      // A nullable field (a union with null) that fails reports its own issue and "should be a
      // valid null" at the same place; pydantic reports only the first, and so does Floe.
      const locs = new Set(issues.filter((issue) => issue.type !== 'null_type').map((issue) => JSON.stringify(issue.loc)));
      const nonUnion = issues.filter((issue) => (issue.type !== 'value_error' || !issue.msg.startsWith('must match')) && !(issue.type === 'null_type' && locs.has(JSON.stringify(issue.loc))));
      return send(reply, 422, {}, new RequestValidationError(nonUnion.length > 0 ? nonUnion : issues).body());
    }
    switch (fastifyError.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return send(reply, 413, {}, { error: 'PayloadTooLarge', detail: `Request body is larger than ${BODY_LIMIT} bytes.` });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return send(reply, 415, {}, { error: 'UnsupportedMediaType', detail: 'Unsupported media type.' });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return send(reply, 422, {}, new RequestValidationError([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]).body());
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return send(reply, 400, {}, { error: 'BadRequest', detail: 'Invalid Content-Length.' });
    }
    if (fastifyError.statusCode === 400 && (error instanceof SyntaxError || fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY')) {
      return send(reply, 422, {}, new RequestValidationError([{ type: 'json_invalid', loc: ['body'], msg: 'JSON decode error', input: {}, ctx: { error: error.message } }]).body());
    }
    if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      return send(reply, fastifyError.statusCode, {}, { error: 'BadRequest', detail: error.message });
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error }, 'database unavailable');
      return send(reply, 503, { 'retry-after': '1' }, { error: 'ServiceUnavailable', detail: 'The service is temporarily unavailable: try again shortly.' });
    }
    request.log.error({ err: error }, 'unhandled error');
    return send(reply, 500, {}, { error: 'InternalServerError', detail: 'Internal Server Error' });
  });

  app.setNotFoundHandler((request, reply) => send(reply, 404, {}, { error: 'ResourceNotFound', detail: 'Not found' }));

  // The SDK matches response media types; give JSON exactly as Polar does.
  app.addHook('onSend', (_request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('application/json;')) reply.header('content-type', 'application/json');
    done(null, payload);
  });
}
