// The ids that tie one request's log lines to the caller's and the load balancer's records.

// X-Request-Id is echoed into logs and headers: accept only a short token of safe characters.
const REQUEST_ID = /^[\w.:-]{1,128}$/

export const requestIdFrom = (header: string | null): string =>
  header !== null && REQUEST_ID.test(header) ? header : crypto.randomUUID()

// X-Amzn-Trace-Id as the ALB writes it (`Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1`, with
// Self= and Parent= fields when a tracer added them); anything else is neither logged nor echoed.
const TRACE_ID = /^[\w=;.:-]{1,256}$/

/** The request's X-Amzn-Trace-Id (Elastic Load Balancing "Request tracing"), or undefined when absent or not of that shape. */
export const traceIdFrom = (header: string | null): string | undefined =>
  header !== null && TRACE_ID.test(header) ? header : undefined
