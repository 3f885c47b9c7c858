// The API shapes of a file: FileRead by service (public ones with their public URL), FileUpload.
import type { Config } from '../../config.js';
import type { FileRow } from '../../db/schema/catalog.js';
import { publicUrl } from '../../storage/storage.js';
import type { FileRead, FileServiceTypes, FileUpload } from './schemas.js';

type FileLike = Omit<FileRow, 'created_at' | 'modified_at' | 'deleted_at' | 'last_modified_at'> & {
  created_at: Date | string;
  last_modified_at: Date | string | null;
};

/** Services whose files live in the public bucket and have a stable URL. */
export const PUBLIC_SERVICES: ReadonlySet<FileServiceTypes> = new Set(['product_media', 'organization_avatar']);

/** Polar's human size: 1024 steps, one decimal at most ("1.5 MB"). */
export function sizeReadable(size: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = size;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}

export function publicUrlOf(config: Config, file: Pick<FileRow, 'path'>): string {
  return publicUrl(config, file.path);
}

function fileFields(file: FileLike) {
  return {
    id: file.id,
    organization_id: file.organization_id,
    name: file.name,
    path: file.path,
    mime_type: file.mime_type,
    size: Number(file.size),
    storage_version: file.storage_version,
    checksum_etag: file.checksum_etag,
    checksum_sha256_base64: file.checksum_sha256_base64,
    checksum_sha256_hex: file.checksum_sha256_hex,
    last_modified_at: file.last_modified_at,
    version: file.version,
    is_uploaded: file.is_uploaded,
    created_at: file.created_at,
    size_readable: sizeReadable(Number(file.size)),
  };
}

export function presentFile(config: Config, file: FileLike): FileRead {
  if (file.service === 'downloadable') return { ...fileFields(file), service: 'downloadable' };
  return { ...fileFields(file), service: file.service, public_url: publicUrlOf(config, file) };
}

export function presentFileUpload(file: FileLike, upload: FileUpload['upload']): FileUpload {
  return { ...fileFields(file), service: file.service, upload };
}

/** A product_media file as a product embeds it. */
export function presentProductMedia(config: Config, file: FileLike) {
  return { ...fileFields(file), service: 'product_media' as const, public_url: publicUrlOf(config, file) };
}
