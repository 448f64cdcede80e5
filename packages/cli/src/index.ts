export { runCli, usage, type CliIo } from './cli.ts';
export { exitCodes, type ExitCode } from './exit-codes.ts';
