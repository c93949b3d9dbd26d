import { readFile } from 'node:fs/promises';
import { TrafficError } from '@traffic/core';

/**
 * Read a JSON config file for `--config`. Errors name the file and, for bad JSON, the line and
 * column, so the user can fix it without guessing.
 */
const READ_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'it is a directory',
};

export async function readJsonConfig(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = READ_ERRORS[code ?? ''] ?? (error as Error).message;
    throw new TrafficError(
      'TRAFFIC_ERR_CONFIG_UNREADABLE',
      `cannot read config file ${path}: ${why}${code ? ` (${code})` : ''}`,
      {
        cause: error,
        details: { path },
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message);
    const offset = position ? Number(position[1]) : undefined;
    const where = offset === undefined ? '' : ` at ${lineAndColumn(text, offset)}`;
    throw new TrafficError(
      'TRAFFIC_ERR_CONFIG_INVALID',
      `config file ${path} is not valid JSON${where}: ${(error as Error).message}`,
      {
        cause: error,
        details: { path },
      },
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new TrafficError('TRAFFIC_ERR_CONFIG_INVALID', `config file ${path} must hold a JSON object of options`, {
      details: { path },
    });
  }
  return parsed as Record<string, unknown>;
}

export function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}
