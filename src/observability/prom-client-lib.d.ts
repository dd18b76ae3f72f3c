// prom-client's own modules, imported one by one (metrics.ts): each is the export of the same name
// in prom-client's index, whose types these reuse.
declare module 'prom-client/lib/registry' {
  import { Registry } from 'prom-client'
  export default Registry
}
declare module 'prom-client/lib/counter' {
  import { Counter } from 'prom-client'
  export default Counter
}
declare module 'prom-client/lib/gauge' {
  import { Gauge } from 'prom-client'
  export default Gauge
}
declare module 'prom-client/lib/histogram' {
  import { Histogram } from 'prom-client'
  export default Histogram
}
declare module 'prom-client/lib/defaultMetrics' {
  import { collectDefaultMetrics } from 'prom-client'
  export default collectDefaultMetrics
}
