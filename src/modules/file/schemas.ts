import { Type, type Static } from '@sinclair/typebox';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { DateTime, MultipleFilter, Nullable, NullableDateTime, StringEnum, TaggedUnion, UUID } from '../../kit/schemas.js';

export const FILE_SERVICES = ['downloadable', 'product_media', 'organization_avatar'] as const;
export type FileServiceTypes = (typeof FILE_SERVICES)[number];

/** S3 numbers parts 1 to 10,000. */
export const MAX_PARTS = 10_000;
const IMAGE_MIME_TYPE = '^image\\/(jpeg|png|gif|webp|svg\\+xml)$';

const S3FileCreatePart = Type.Object({
  number: Type.Integer({ minimum: 1, maximum: MAX_PARTS }),
  chunk_start: Type.Integer({ minimum: 0 }),
  chunk_end: Type.Integer({ minimum: 0, description: 'End of the byte range, exclusive.' }),
  checksum_sha256_base64: Type.Optional(Nullable(Type.String())),
});

const fileCreateFields = {
  organization_id: Type.Optional(Nullable(UUID)),
  name: Type.String(),
  mime_type: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  checksum_sha256_base64: Type.Optional(Nullable(Type.String())),
  upload: Type.Object({ parts: Type.Array(S3FileCreatePart, { minItems: 1, maxItems: MAX_PARTS }) }),
  version: Type.Optional(Nullable(Type.String())),
};

export const DownloadableFileCreate = Type.Object({ ...fileCreateFields, service: Type.Literal('downloadable') }, { description: 'Schema to create a file to be associated with the downloadables benefit.' });
export const ProductMediaFileCreate = Type.Object(
  {
    ...fileCreateFields,
    service: Type.Literal('product_media'),
    mime_type: Type.String({ pattern: IMAGE_MIME_TYPE, description: 'MIME type of the file. Only images are supported for this type of file.' }),
    size: Type.Integer({ minimum: 0, maximum: 10 * 1024 * 1024, description: 'Size of the file. A maximum of 10 MB is allowed for this type of file.' }),
  },
  { description: 'Schema to create a file to be used as a product media file.' },
);
export const OrganizationAvatarFileCreate = Type.Object(
  {
    ...fileCreateFields,
    service: Type.Literal('organization_avatar'),
    mime_type: Type.String({ pattern: IMAGE_MIME_TYPE, description: 'MIME type of the file. Only images are supported for this type of file.' }),
    size: Type.Integer({ minimum: 0, maximum: 1024 * 1024, description: 'Size of the file. A maximum of 1 MB is allowed for this type of file.' }),
  },
  { description: 'Schema to create a file to be used as an organization avatar.' },
);

export const FileCreate = TaggedUnion('service', [DownloadableFileCreate, ProductMediaFileCreate, OrganizationAvatarFileCreate]);
export type FileCreate = Static<typeof FileCreate>;

const fileFields = {
  id: UUID,
  organization_id: UUID,
  name: Type.String(),
  path: Type.String(),
  mime_type: Type.String(),
  size: Type.Integer(),
  storage_version: Nullable(Type.String()),
  checksum_etag: Nullable(Type.String()),
  checksum_sha256_base64: Nullable(Type.String()),
  checksum_sha256_hex: Nullable(Type.String()),
  last_modified_at: NullableDateTime,
  version: Nullable(Type.String()),
  is_uploaded: Type.Boolean(),
  created_at: DateTime,
  size_readable: Type.String(),
};

export const DownloadableFileRead = Type.Object({ ...fileFields, service: Type.Literal('downloadable') });
export const ProductMediaFileRead = Type.Object({ ...fileFields, service: Type.Literal('product_media'), public_url: Type.String() });
export const OrganizationAvatarFileRead = Type.Object({ ...fileFields, service: Type.Literal('organization_avatar'), public_url: Type.String() });
export const FileRead = Type.Union([DownloadableFileRead, ProductMediaFileRead, OrganizationAvatarFileRead]);
export type FileRead = Static<typeof FileRead>;

export const ListResourceFileRead = ListResource(FileRead);

const S3FileUploadPart = Type.Object({
  number: Type.Integer(),
  chunk_start: Type.Integer(),
  chunk_end: Type.Integer(),
  checksum_sha256_base64: Nullable(Type.String()),
  url: Type.String(),
  expires_at: DateTime,
  headers: Type.Record(Type.String(), Type.String()),
});

export const FileUpload = Type.Object({
  ...fileFields,
  service: StringEnum(FILE_SERVICES),
  upload: Type.Object({ id: Type.String(), path: Type.String(), parts: Type.Array(S3FileUploadPart) }),
});
export type FileUpload = Static<typeof FileUpload>;

export const FileUploadCompleted = Type.Object({
  id: Type.String({ description: 'The upload id returned at creation (`upload.id`).' }),
  path: Type.String(),
  parts: Type.Array(
    Type.Object({
      number: Type.Integer({ minimum: 1, maximum: MAX_PARTS }),
      checksum_etag: Type.String(),
      checksum_sha256_base64: Nullable(Type.String()),
    }),
    { minItems: 1, maxItems: MAX_PARTS },
  ),
});
export type FileUploadCompleted = Static<typeof FileUploadCompleted>;

export const FilePatch = Type.Object({
  name: Type.Optional(Nullable(Type.String())),
  version: Type.Optional(Nullable(Type.String())),
});
export type FilePatch = Static<typeof FilePatch>;

export const FileListQuery = Type.Object({
  organization_id: Type.Optional(UUID),
  ids: MultipleFilter(UUID, 'List of file IDs to get.'),
  ...PaginationQuery,
});
export type FileListQuery = Static<typeof FileListQuery>;
