import { MERCHANT, writeScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { merchantOf, type App } from '../../kit/http.js';
import { IdParams } from '../../kit/schemas.js';
import { LocalStorage } from '../../storage/local.js';
import { localStorageRoutes } from './local-routes.js';
import { presentFile } from './presenter.js';
import { FileCreate, FilePatch, FileRead, FileListQuery, FileUpload, FileUploadCompleted, ListResourceFileRead } from './schemas.js';
import * as service from './service.js';

const tags = ['files'];
// Polar guards every files endpoint, reads included, with the write scope.
const auth = { subjects: MERCHANT, scopes: writeScopes('files') };

export function fileRoutes(app: App, { db, readDb, config, storage }: Context): void {
  app.get('/v1/files/', {
    schema: { tags, summary: 'List Files', operationId: 'files:list', querystring: FileListQuery, response: { 200: ListResourceFileRead } },
    config: { auth },
    handler: (request) => service.listFiles(readDb, config, merchantOf(request), request.query),
  });

  app.post('/v1/files/', {
    schema: { tags, summary: 'Create File', operationId: 'files:create', body: FileCreate, response: { 201: FileUpload } },
    config: { auth },
    handler: async (request, reply) => {
      const upload = await transaction(db, (trx) => service.createFile(trx, storage, merchantOf(request), request.body));
      return reply.code(201).send(upload);
    },
  });

  app.post('/v1/files/:id/uploaded', {
    schema: { tags, summary: 'Complete File Upload', operationId: 'files:uploaded', params: IdParams, body: FileUploadCompleted, response: { 200: FileRead } },
    config: { auth },
    handler: async (request) =>
      presentFile(config, await transaction(db, (trx) => service.completeUpload(trx, storage, merchantOf(request), request.params.id, request.body))),
  });

  app.patch('/v1/files/:id', {
    schema: { tags, summary: 'Update File', operationId: 'files:update', params: IdParams, body: FilePatch, response: { 200: FileRead } },
    config: { auth },
    handler: async (request) => presentFile(config, await transaction(db, (trx) => service.updateFile(trx, merchantOf(request), request.params.id, request.body))),
  });

  app.delete('/v1/files/:id', {
    schema: { tags, summary: 'Delete File', operationId: 'files:delete', params: IdParams, response: { 204: { type: 'null' } } },
    config: { auth },
    handler: async (request, reply) => {
      await transaction(db, (trx) => service.deleteFile(trx, storage, merchantOf(request), request.params.id));
      return reply.code(204).send();
    },
  });

  if (storage instanceof LocalStorage) localStorageRoutes(app, storage);
}
