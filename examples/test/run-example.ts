import { spawn } from 'node:child_process';

/**
 * Run one example as its users would (plain `node`, @traffic/* from the built dist), with optional
 * stdin, killed after `timeoutMs`. Every examples/test file uses this.
 */
export interface ExampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runExample(path: string, options: { input?: string; timeoutMs?: number } = {}): Promise<ExampleRun> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // latin1 keeps every byte as one char: gor examples write hex, the others ASCII/UTF-8 text.
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString(options.input === undefined ? 'utf8' : 'latin1');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path} did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
