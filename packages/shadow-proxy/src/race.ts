import type { IncomingMessage, ServerResponse } from 'node:http';
import { rawHeaderStrings } from '@traffic/core';
import type { Backend } from './backend-pool.js';
import { Capture } from './capture.js';
import { SHADOW_ERRORS } from './errors.js';
import type { ProxyCore } from './exchange.js';
import type { PreparedHeaders } from './header-policy.js';
import { responseHeaders, withHost } from './header-policy.js';
import type { BackendResult, ShadowRequest } from './hooks.js';
import { BackendsFinishedEvent } from './hooks.js';
import { sendProxyAnswer } from './proxy-answer.js';
import { BodyCopy, hasRequestBody } from './request-body.js';
import type { CallSink } from './upstream-call.js';
import { UpstreamCall } from './upstream-call.js';

/**
 * Geest semantics when selectBackends leaves the master out: every selected backend gets the
 * request and the first complete response (fully received, within captureBytes) is the answer.
 * The others still finish and are shown to backendsFinished, then discarded.
 */
export async function runRace(
  core: ProxyCore,
  req: IncomingMessage,
  res: ServerResponse,
  request: ShadowRequest,
  path: string,
  prepared: PreparedHeaders,
  backends: Backend[],
): Promise<void> {
  const options = core.options;
  let body: Buffer | null = null;
  if (hasRequestBody(req)) {
    let copied: Buffer | undefined;
    const copy = new BodyCopy(options.maxShadowBodyBytes, (result) => {
      copied = result;
    });
    await copy.collect(req);
    if (copied === undefined) {
      if (copy.tooLarge)
        sendProxyAnswer(
          res,
          413,
          SHADOW_ERRORS.bodyTooLarge,
          `Payload Too Large: bodies over maxShadowBodyBytes (${options.maxShadowBodyBytes}) cannot be raced`,
        );
      return;
    }
    body = copied;
  }
  let answered = false;
  let settled = 0;
  const results: BackendResult[] = [];
  // Resolves once every racer settled and backendsFinished ran, so close() waits for them.
  let allDone: () => void = () => {};
  const everyone = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  const finishAll = async () => {
    if (!answered) {
      answered = true;
      const allTimedOut = results.every((result) => result.timedOut);
      core.proxyError(allTimedOut ? 'gatewayTimeout' : 'badGateway');
      sendProxyAnswer(
        res,
        allTimedOut ? 504 : 502,
        allTimedOut ? SHADOW_ERRORS.masterTimeout : SHADOW_ERRORS.masterUnreachable,
        allTimedOut
          ? 'Gateway Timeout: no selected backend answered in time'
          : 'Bad Gateway: no selected backend answered',
      );
    }
    if (core.hooks.has('backendsFinished')) {
      const event = new BackendsFinishedEvent(request, results);
      await core.hooks.run('backendsFinished', event);
      if (event.error !== undefined) core.hookFailed(event.error, 'backendsFinished');
    }
    allDone();
  };
  for (const backend of backends) {
    const headers =
      backend.options.host === undefined
        ? prepared.headers
        : withHost(prepared, backend.options.host, backend.authority);
    const capture = new Capture(options.captureBytes);
    let status: number | undefined;
    let statusText = '';
    let raw: Buffer[] = [];
    const sink: CallSink = {
      onHead(code, text, rawHeaders) {
        status = code;
        statusText = text;
        raw = rawHeaders;
      },
      onChunk(chunk) {
        capture.push(chunk);
        return true;
      },
      onEnd() {
        results.push(result(undefined, false));
        if (!answered && !capture.truncated && !res.destroyed) {
          answered = true;
          res.writeHead(status as number, statusText, responseHeaders(raw) as unknown as Record<string, string>);
          res.end(capture.body());
        }
        if (++settled === backends.length) void finishAll();
      },
      onFail(error, timedOut) {
        results.push(result(error, timedOut));
        if (++settled === backends.length) void finishAll();
      },
    };
    const call = new UpstreamCall(sink, core.clock, backend.options.timeoutMs ?? options.masterTimeoutMs, 'all');
    const result = (error: Error | undefined, timedOut: boolean): BackendResult => ({
      name: backend.name,
      role: backend.role,
      status,
      rawHeaders: rawHeaderStrings(raw),
      body: capture.body(),
      bodyBytes: capture.bytes,
      truncated: capture.truncated,
      sha256: capture.sha256(),
      durationMs: call.durationMs,
      error,
      timedOut,
    });
    call.dispatch(backend.pool, { method: request.method, path, headers, body });
  }
  await everyone;
}
