export { createApp } from './app.ts';
export { startApiServer, type RunningApi } from './server.ts';
export { openApiDocument } from './routes/index.ts';
export type { ApiDependencies } from './dependencies.ts';
