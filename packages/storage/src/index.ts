export { createStorage, createStorageFromConfig, ensureBucket, type Storage, type StorageSettings } from './client.ts';
export { runResultKey, runResultPrefix } from './keys.ts';
export { uploadStream, type UploadStreamInput } from './upload.ts';
export { presignDownload, deleteObject, listObjectKeys, type DownloadUrl } from './presign.ts';
