import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything the process wrote so far, for assertions and failure messages. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** SIGTERM (or the given signal), then waits for exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Where a process runs, and what it adds to this process's environment. */
export interface ProcessOptions {
  cwd: string;
  env: Record<string, string>;
}

/** How a command that ran to its end went. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Node's arguments for running a TypeScript entry point from source, the way it runs in
 * production: `--conditions=source` makes workspace packages resolve to their TypeScript.
 */
const fromSource = ['--conditions=source', '--import', 'tsx'];

/** Starts a TypeScript entry point as a separate Node process that keeps running (a service). */
export function spawnService(entry: string, options: ProcessOptions): ServiceProcess {
  const child = spawn(process.execPath, [...fromSource, entry], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = once(child, 'exit');

  return {
    child,
    output: () => output,
    waitForOutput(pattern, timeoutMs = 90_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) {
            cleanup();
            resolve(match);
          } else if (child.exitCode !== null) {
            cleanup();
            reject(new Error(`process exited (${child.exitCode}) before printing ${pattern}:\n${output}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}:\n${output}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', check);
        };
        listeners.add(check);
        child.on('exit', check);
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

/** Runs a command to its end, as an operator would from a shell, collecting what it printed. */
export function runCommand(command: string, args: string[], options: ProcessOptions): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs a TypeScript command line (a package's `src/bin/…`) from source, as its own process, to its end. */
export function runSourceCommand(entry: string, args: string[], options: ProcessOptions): Promise<CommandResult> {
  return runCommand(process.execPath, [...fromSource, entry, ...args], options);
}
