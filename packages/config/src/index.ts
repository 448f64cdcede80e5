export { configSchema, loadConfig, loadConfigOrExit, ConfigError, type Config } from './env.ts';
export { createLogger, type Logger } from './logger.ts';
