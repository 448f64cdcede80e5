export { signResultDownload } from '@reportrun/status';
