// Node entry: the shared start-up (src/service.ts) on node:http. Node runs the bundle `npm run
// build:node` makes of this file (dist/node/node.mjs), not this source.
import { processEnv } from './config.ts'
import { createNodeHttpPost } from './runtime/node/node-http-post.ts'
import { serveWithNode } from './runtime/node/node-server.ts'
import { runService } from './service.ts'

await runService(processEnv(), {
  name: `node ${process.version}`,
  serve: (app, options) => serveWithNode((request) => app.handle(request), options),
  // Node's fetch costs several times node:http's CPU per Cognito call (docs/performance.md).
  cognitoPost: createNodeHttpPost,
})
