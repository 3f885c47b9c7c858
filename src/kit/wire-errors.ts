// Errors Fastify and Node's HTTP parser answer before any route runs (a path parameter past the
// router's length limit, a malformed URL, headers too large, a client too slow): in Polar's
// `{error, detail}` shape like every other answer, not Fastify's own `{error, code, message}`.
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Fastify's `frameworkErrors`: the router's refusals of a URL. */
export function answerFrameworkError(error: { code?: string; message: string }, _request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  reply
    .code(tooLong ? 414 : 400)
    .type('application/json')
    .send(JSON.stringify(tooLong ? { error: 'URITooLong', detail: 'A path parameter is too long.' } : { error: 'BadRequest', detail: 'The URL is not valid.' }));
}

const CLIENT_ERRORS: Record<string, [number, string, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'RequestHeaderFieldsTooLarge', 'The request line or headers are too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'RequestTimeout', 'The request was not received in time.'],
};

/** Fastify's `clientErrorHandler`: a request Node's HTTP parser could not read. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, name, detail] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Bad Request', 'BadRequest', 'The request could not be read.'];
  const body = JSON.stringify({ error: name, detail });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
