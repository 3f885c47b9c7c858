// The URLs the `local` storage driver hands out, served by Floe: part uploads, signed downloads,
// public objects. They are outside the documented API (the S3 driver's URLs point at S3 instead).
import { createReadStream } from 'node:fs';
import type { FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { App } from '../../kit/http.js';
import { LocalRequestError, type LocalObject, type LocalStorage } from '../../storage/local.js';

// The grant travels in the query, like an S3 presigned URL's signature (too long for a path segment).
const TokenQuery = Type.Object({ token: Type.String({ maxLength: 8192 }) });

function refuse(reply: FastifyReply, error: unknown): FastifyReply {
  if (!(error instanceof LocalRequestError)) throw error;
  return reply.code(error.statusCode).type('application/json').send(JSON.stringify({ error: error.code, detail: error.message }));
}

function serve(reply: FastifyReply, object: LocalObject, cacheControl: string): FastifyReply {
  reply.header('content-type', object.mimeType).header('content-length', object.size).header('etag', object.etag).header('cache-control', cacheControl);
  if (object.disposition) reply.header('content-disposition', object.disposition);
  return reply.send(createReadStream(object.path));
}

export function localStorageRoutes(app: App, storage: LocalStorage): void {
  app.register(async (scope) => {
    // A part's body is streamed to disk by the storage, which enforces the part's own size, so the
    // API's 1 MiB JSON body limit does not apply; any content type is taken as bytes.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

    scope.put('/v1/files/uploads', {
      schema: { hide: true, querystring: TokenQuery },
      handler: async (request, reply) => {
        try {
          const grant = storage.partGrant((request.query as { token: string }).token);
          const declaredLength = Number(request.headers['content-length']);
          if (Number.isFinite(declaredLength) && declaredLength > grant.s) {
            throw new LocalRequestError(413, 'EntityTooLarge', `The part is larger than its declared ${grant.s} bytes.`);
          }
          const checksum = request.headers['x-amz-checksum-sha256'];
          const { etag } = await storage.receivePart(grant, request.raw, typeof checksum === 'string' ? checksum : undefined);
          return reply.code(200).header('etag', etag).send();
        } catch (error) {
          // The client may still be sending: close the connection rather than read the rest.
          if (!request.raw.readableEnded) reply.header('connection', 'close');
          return refuse(reply, error);
        }
      },
    });
  });

  app.get('/v1/files/downloads', {
    schema: { hide: true, querystring: TokenQuery },
    handler: async (request, reply) => {
      try {
        return serve(reply, await storage.openDownload(request.query.token), 'private, no-store');
      } catch (error) {
        return refuse(reply, error);
      }
    },
  });

  app.get('/files/*', {
    schema: { hide: true },
    handler: async (request, reply) => {
      const path = (request.raw.url ?? '').split('?')[0]?.slice('/files/'.length) ?? '';
      let key: string;
      try {
        key = path.split('/').map(decodeURIComponent).join('/');
      } catch {
        return reply.callNotFound();
      }
      const object = await storage.openPublic(key);
      if (!object) return reply.callNotFound();
      return serve(reply, object, 'public, max-age=86400');
    },
  });
}
