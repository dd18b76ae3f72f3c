// The route label of log lines, auth events and metrics, in a module of its own: the app needs it
// whether or not metrics are on, and importing it from metrics.ts would load prom-client at every
// start.

/** The route label of a request that matched no route (a 404, or a method the path does not take). */
export const UNMATCHED_ROUTE = 'unmatched'
