// A thin client for Cognito's JSON 1.1 protocol (POST /, X-Amz-Target, JSON in and out), for the
// hot operations. The SDK spends several times the CPU of the request itself per call in its
// middleware stack (endpoint rules, retry bookkeeping, user agent, serde, auth-scheme resolution);
// on the service's hot routes that was most of the CPU (docs/performance.md).
//
// What it keeps identical to the SDK client it stands in for:
// - retries: the SDK's own StandardRetryStrategy and error classification (maxAttempts 2,
//   throttling and transient failures only, jittered back-off, the retry quota), loaded at the
//   first failure: until then the quota is full and its bookkeeping a no-op, and loading the module
//   is a noticeable part of start-up (docs/performance.md);
// - errors: an Error named after Cognito's exception type with $fault and $metadata, and transport
//   failures with Node's error codes (ECONNREFUSED, ECONNRESET…) whatever the runtime calls them;
// - the per-call AbortSignal (the gateway's deadline);
// - `$metadata.attempts` on the answer and on the error, as the SDK's retry middleware sets it (the
//   gateway counts retries from it).
// Over fetch there is no separate TCP connect timeout (the call deadline bounds it); the Node entry's
// client (runtime/node/node-http-post.ts) has one.
// Signing: the operations routed here (operations.ts) are unauthenticated in Cognito's API.
import type { CognitoConfig } from '../config.ts'
import { ProblemError } from '../http/problem.ts'
import { lazy } from '../lazy.ts'
import { fetchPost, type HttpPost, type PostAnswer } from './http-post.ts'
import type { OperationName } from './operations.ts'
import type { CognitoTransport } from './transport.ts'

const MAX_ATTEMPTS = 2
const TARGET_PREFIX = 'AWSCognitoIdentityProviderService.'

/** A Cognito exception, shaped like the SDK's ServiceException subclasses. */
export class CognitoServiceError extends Error {
  readonly $fault: 'client' | 'server'
  readonly $metadata: { httpStatusCode: number; requestId?: string }

  constructor(name: string, message: string, httpStatusCode: number, requestId: string | null) {
    super(message)
    this.name = name
    this.$fault = httpStatusCode >= 500 ? 'server' : 'client'
    this.$metadata = { httpStatusCode, ...(requestId ? { requestId } : {}) }
  }
}

/** The request never got an answer: refused, reset, unresolvable. */
export class CognitoTransportError extends Error {
  override readonly name = 'CognitoTransportError'
  constructor(
    message: string,
    readonly code: string | undefined,
    options: { cause: unknown },
  ) {
    super(message, options)
  }
}

// Bun's fetch names socket failures its own way; the SDK (on node:http) sees Node's codes, and the
// retry classification and errors.ts both key on those.
const NODE_CODES: Readonly<Record<string, string>> = {
  ConnectionRefused: 'ECONNREFUSED',
  ConnectionClosed: 'ECONNRESET',
  ECONNRESET: 'ECONNRESET',
}

function transportError(error: unknown): CognitoTransportError {
  const err = error as { message?: unknown; code?: unknown; cause?: { code?: unknown } }
  // Node's fetch: TypeError('fetch failed') with the socket error as cause.
  const raw = typeof err.code === 'string' ? err.code : typeof err.cause?.code === 'string' ? err.cause.code : undefined
  const code = raw === undefined ? undefined : (NODE_CODES[raw] ?? raw)
  return new CognitoTransportError(typeof err.message === 'string' ? err.message : 'fetch failed', code, {
    cause: error,
  })
}

// As the SDK's JSON protocol reads it: "ns#Name:http://…" or "Name:…" -> "Name".
function exceptionName(raw: string): string {
  let name = raw.split(',')[0]!.split(':')[0]!
  if (name.includes('#')) name = name.split('#')[1]!
  return name
}

function serviceError(response: PostAnswer): CognitoServiceError {
  const { text } = response
  let body: { __type?: unknown; code?: unknown; message?: unknown; Message?: unknown } = {}
  try {
    body = JSON.parse(text) as typeof body
  } catch {
    // an error page from something in between: the status decides
  }
  const raw =
    response.header('x-amzn-errortype') ??
    (typeof body.code === 'string' ? body.code : undefined) ??
    (typeof body.__type === 'string' ? body.__type : undefined)
  const message = typeof body.message === 'string' ? body.message : typeof body.Message === 'string' ? body.Message : ''
  return new CognitoServiceError(
    raw ? exceptionName(raw) : 'UnknownError',
    message,
    response.status,
    response.header('x-amzn-requestid'),
  )
}

type RetryModule = typeof import('@smithy/core/retry')
type SdkError = Parameters<RetryModule['isTransientError']>[0]

interface Retry {
  strategy: InstanceType<RetryModule['StandardRetryStrategy']>
  /** The SDK retry middleware's classification, in its order. */
  errorType(error: SdkError): 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR'
}

async function loadRetry(): Promise<Retry> {
  const { isServerError, isThrottlingError, isTransientError, StandardRetryStrategy } = await import(
    '@smithy/core/retry'
  )
  return {
    strategy: new StandardRetryStrategy(MAX_ATTEMPTS),
    errorType: (error) =>
      isThrottlingError(error)
        ? 'THROTTLING'
        : isTransientError(error)
          ? 'TRANSIENT'
          : isServerError(error)
            ? 'SERVER_ERROR'
            : 'CLIENT_ERROR',
  }
}

/** The error, its $metadata (if any) carrying how many attempts were made. */
function withAttempts(error: Error, attempts: number): Error {
  const metadata = (error as { $metadata?: object }).$metadata
  Object.assign(error, { $metadata: { ...metadata, attempts } })
  return error
}

/**
 * @param post the HTTP client (http-post.ts): the runtime's fetch unless the entry supplies another.
 */
export function createJsonTransport(
  config: Pick<CognitoConfig, 'region' | 'endpoint'>,
  post: HttpPost = fetchPost,
): CognitoTransport {
  const url = config.endpoint ?? `https://cognito-idp.${config.region}.amazonaws.com/`
  let retry: Retry | undefined
  const loadingRetry = lazy(loadRetry)
  const headers = new Map<string, Record<string, string>>()
  const headersFor = (operation: OperationName) => {
    let h = headers.get(operation)
    if (h === undefined) {
      h = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${TARGET_PREFIX}${operation}` }
      headers.set(operation, h)
    }
    return h
  }

  const attempt = async (operation: OperationName, body: string, signal: AbortSignal): Promise<unknown> => {
    let response: PostAnswer
    try {
      response = await post(url, headersFor(operation), body, signal)
    } catch (error) {
      // A call the limit shed (call-limit.ts) is already its answer.
      if (signal.aborted || error instanceof ProblemError) throw error
      throw transportError(error)
    }
    if (response.status < 200 || response.status > 299) throw serviceError(response)
    return response.text === '' ? {} : JSON.parse(response.text)
  }

  return {
    async send(operation, input, abortSignal) {
      const body = JSON.stringify(input)
      let token: Awaited<ReturnType<Retry['strategy']['acquireInitialRetryToken']>> | undefined
      for (let attempts = 1; ; attempts++) {
        try {
          const output = (await attempt(operation, body, abortSignal)) as { $metadata?: { attempts: number } }
          output.$metadata = { attempts }
          // Refills the quota a retry drew on (a no-op while it is full).
          if (retry) retry.strategy.recordSuccess(token ?? (await retry.strategy.acquireInitialRetryToken(operation)))
          return output as never
        } catch (error) {
          // A shed call is not retried: the retry would only join the queue that was full.
          if (abortSignal.aborted || !(error instanceof Error) || error instanceof ProblemError) throw error
          retry ??= await loadingRetry()
          token ??= await retry.strategy.acquireInitialRetryToken(operation)
          try {
            token = await retry.strategy.refreshRetryTokenForRetry(token, {
              errorType: retry.errorType(error as SdkError),
            })
          } catch {
            throw withAttempts(error, attempts)
          }
        }
      }
    },
  }
}
