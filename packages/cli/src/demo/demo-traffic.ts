/**
 * The demo's bounded burst of traffic: `total` requests over a fixed list of paths, `concurrency`
 * at a time, with a progress line on a terminal (or a few plain lines otherwise).
 */
export interface TrafficResult {
  sent: number;
  byStatus: Record<string, number>;
  failures: number;
  firstFailure: string | undefined;
  latenciesMs: number[];
}

export interface TrafficOptions {
  baseUrl: string;
  paths: readonly string[];
  total: number;
  concurrency: number;
  progress: NodeJS.WritableStream & { isTTY?: boolean };
  timeoutMs?: number;
}

export async function driveTraffic(options: TrafficOptions): Promise<TrafficResult> {
  const result: TrafficResult = { sent: 0, byStatus: {}, failures: 0, firstFailure: undefined, latenciesMs: [] };
  let next = 0;
  const tty = options.progress.isTTY === true;
  const step = Math.max(1, Math.floor(options.total / 4));
  const report = () => {
    const done = result.sent;
    if (tty) {
      const width = 30;
      const filled = Math.round((done / options.total) * width);
      options.progress.write(
        `\r  traffic [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${options.total}`,
      );
      if (done === options.total) options.progress.write('\n');
    } else if (done % step === 0 || done === options.total) {
      options.progress.write(`  traffic: ${done}/${options.total} requests\n`);
    }
  };
  const worker = async () => {
    while (next < options.total) {
      const index = next++;
      const path = options.paths[index % options.paths.length] as string;
      const started = performance.now();
      try {
        const response = await fetch(`${options.baseUrl}${path}`, {
          signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
        });
        await response.arrayBuffer();
        result.byStatus[response.status] = (result.byStatus[response.status] ?? 0) + 1;
        result.latenciesMs.push(performance.now() - started);
      } catch (error) {
        result.failures++;
        result.firstFailure ??= `${path}: ${(error as Error).message}`;
      }
      result.sent++;
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.total) }, worker));
  return result;
}
