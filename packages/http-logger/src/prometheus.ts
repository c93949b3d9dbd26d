import type { RequestCounters } from './counters.js';
import { STATUS_CLASSES } from './counters.js';

/** Logger-level facts shown next to the counters. */
export interface LoggerTotals {
  lines: number;
  linesDropped: number;
  idsReplaced: number;
}

// Prometheus text format 0.0.4: label values escape backslash, double quote and newline.
function label(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function family(out: string[], name: string, type: 'counter' | 'gauge', help: string): void {
  out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
}

/** The counters as Prometheus text exposition (served at /metrics). */
export function renderPrometheus(counters: RequestCounters, totals: LoggerTotals): string {
  const out: string[] = [];
  family(out, 'http_logger_requests_total', 'counter', 'Requests logged, by status class.');
  const status = counters.statusTotals();
  STATUS_CLASSES.forEach((name, i) => {
    out.push(`http_logger_requests_total{status_class="${name}"} ${status[i] ?? 0}`);
  });
  family(out, 'http_logger_aborted_total', 'counter', 'Requests whose client went away before the response ended.');
  out.push(`http_logger_aborted_total ${counters.aborted}`);

  const routeFamilies = [
    ['http_logger_route_requests_total', 'Requests by method, route template and status class.'],
    ['http_logger_route_aborted_total', 'Aborted requests by method and route template.'],
    ['http_logger_route_response_bytes_total', 'Response body bytes written, by method and route template.'],
    ['http_logger_route_duration_seconds_total', 'Sum of request durations in seconds, by method and route template.'],
  ] as const;
  const rows: string[][] = [[], [], [], []];
  for (const counts of counters.buckets()) {
    const labels = `method="${label(counts.method)}",route="${label(counts.route)}"`;
    STATUS_CLASSES.forEach((name, i) => {
      const value = counts.statusClasses[i] ?? 0;
      if (value > 0) rows[0]?.push(`http_logger_route_requests_total{${labels},status_class="${name}"} ${value}`);
    });
    rows[1]?.push(`http_logger_route_aborted_total{${labels}} ${counts.aborted}`);
    rows[2]?.push(`http_logger_route_response_bytes_total{${labels}} ${counts.bytes}`);
    rows[3]?.push(`http_logger_route_duration_seconds_total{${labels}} ${counts.durationMsSum / 1000}`);
  }
  routeFamilies.forEach(([name, help], i) => {
    family(out, name, 'counter', help);
    out.push(...(rows[i] ?? []));
  });

  family(out, 'http_logger_routes', 'gauge', 'Route templates tracked (at most http_logger_routes_max).');
  out.push(`http_logger_routes ${counters.routeCount}`);
  family(out, 'http_logger_routes_max', 'gauge', 'Size of the route table.');
  out.push(`http_logger_routes_max ${counters.maxRoutes}`);
  family(out, 'http_logger_routes_overflow_total', 'counter', 'Requests counted under route="other" (table full).');
  out.push(`http_logger_routes_overflow_total ${counters.overflow}`);
  family(out, 'http_logger_lines_total', 'counter', 'Log lines produced.');
  out.push(`http_logger_lines_total ${totals.lines}`);
  family(out, 'http_logger_lines_dropped_total', 'counter', 'Log lines a sink could not deliver.');
  out.push(`http_logger_lines_dropped_total ${totals.linesDropped}`);
  family(out, 'http_logger_request_ids_replaced_total', 'counter', 'Incoming request ids replaced as invalid.');
  out.push(`http_logger_request_ids_replaced_total ${totals.idsReplaced}`);
  return `${out.join('\n')}\n`;
}
