import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * The built `traffic` binary as a child process, for tests that check what users see: real
 * stdin/stdout/stderr, exit codes and signals. Every wait is bounded.
 */
export const BIN = new URL('../dist/bin.js', import.meta.url).pathname;

export interface TrafficProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolve with the first match of `pattern` in stdout; reject on exit or after timeoutMs. */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Send `signal` (default SIGTERM) and resolve with the exit code (null if killed after timeoutMs). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  /** Resolve with the exit code once the process ends by itself (SIGKILL after timeoutMs). */
  exited(timeoutMs?: number): Promise<number | null>;
}

export interface StartOptions {
  /** Written to stdin, which is then closed; without it stdin is ignored. */
  input?: string | Buffer;
  cwd?: string;
  /** How stdout is decoded; latin1 keeps every byte (gor's hex protocol). Default utf8. */
  stdoutEncoding?: BufferEncoding;
}

export function startTraffic(args: string[], options: StartOptions = {}): TrafficProcess {
  if (!existsSync(BIN)) throw new Error(`${BIN} is not built: run npm run build first`);
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    cwd: options.cwd,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString(options.stdoutEncoding ?? 'utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const exited = async (timeoutMs = 15_000): Promise<number | null> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([exit, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') {
      child.kill('SIGKILL');
      throw new Error(`traffic ${args.join(' ')} did not exit within ${timeoutMs} ms; stderr: ${stderr}`);
    }
    return result;
  };

  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitForStdout(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(stdout);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `traffic ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}; stderr: ${stderr}`,
          );
        }
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(
            `traffic ${args.join(' ')} did not print ${pattern} within ${timeoutMs} ms; stderr: ${stderr}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited(timeoutMs);
    },
    exited,
  };
}

/** Run the binary to completion: exit code, stdout and stderr. */
export async function runTraffic(
  args: string[],
  options: StartOptions & { timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const process = startTraffic(args, options);
  const code = await process.exited(options.timeoutMs);
  return { code, stdout: process.stdout(), stderr: process.stderr() };
}
