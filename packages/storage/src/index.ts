export { createStorage, createStorageFromConfig, ensureBucket, checkBucket, type Storage, type StorageSettings } from './client.ts';
export {
  runResultKey,
  runResultPrefix,
  runResultsRoot,
  parseRunResultKey,
  type RunResultKeyParts,
} from './keys.ts';
export { uploadStream, type UploadStreamInput } from './upload.ts';
export { presignDownload, deleteObject, listObjectKeys, type DownloadUrl } from './presign.ts';
export {
  listMultipartUploads,
  abortMultipartUpload,
  type PendingMultipartUpload,
} from './multipart-uploads.ts';
export {
  listObjects,
  deleteObjects,
  maxKeysPerRequest,
  type StoredObject,
  type DeleteObjectsResult,
} from './objects.ts';
export {
  createStorageZones,
  zoneCredentialVariables,
  StorageZoneCredentialsMissing,
  type StorageZones,
  type StorageZoneRecord,
  type StorageZonesOptions,
} from './zones.ts';
