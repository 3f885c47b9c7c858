import { Type, type Static } from '@sinclair/typebox';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { DateTime, MultipleFilter, UUID } from '../../kit/schemas.js';
import { DownloadableFileRead } from '../file/schemas.js';

/** A file as a customer may download it: its fields and a signed URL that expires. */
const FileDownload = Type.Object({
  ...DownloadableFileRead.properties,
  download: Type.Object({ url: Type.String(), headers: Type.Record(Type.String(), Type.String()), expires_at: DateTime }),
});

export const DownloadableRead = Type.Object({ id: UUID, benefit_id: UUID, file: FileDownload });
export const ListResourceDownloadableRead = ListResource(DownloadableRead);

export const DownloadableListQuery = Type.Object({
  ...PaginationQuery,
  organization_id: MultipleFilter(UUID),
  benefit_id: MultipleFilter(UUID),
});
export type DownloadableListQuery = Static<typeof DownloadableListQuery>;

export const DownloadableTokenParams = Type.Object({ token: Type.String() });
