import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name,
    level,
    // Keys and presigned URLs must never reach a log line.
    redact: ['req.headers.authorization', 'authorization', 'download_url.url', '*.secret'],
  });
}
