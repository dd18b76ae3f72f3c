// A fault-injecting proxy in front of the (verifying proxy in front of the) real cognito-local: the
// emulator cannot be made slow, unreachable, throttled or broken on demand, so this stands in for
// those outages. Switchable at run time; `normal` forwards untouched.
//
// TCP in front, so it can refuse connections (the port closes) and reset them (RST on accept);
// behind that, an HTTP layer for delays and Cognito's own throttling and 500 answers.
import net from 'node:net'
import { cognitoErrorResponse } from './cognito-wire.ts'

export type Fault =
  | { mode: 'normal' }
  | { mode: 'refuse' }
  | { mode: 'reset' }
  | { mode: 'delay'; ms: number }
  | { mode: 'throttle' }
  | { mode: 'error500' }

export interface FaultProxy {
  url: string
  set(fault: Fault): Promise<void>
  /** HTTP requests that reached the proxy's HTTP layer, i.e. attempts the service made. */
  attempts(): number
  /** TCP connections accepted (refused ones never get here). */
  connections(): number
  stop(): Promise<void>
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  let fault: Fault = { mode: 'normal' }
  let attempts = 0
  let connections = 0

  const http = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      attempts++
      const current = fault
      if (current.mode === 'delay') await Bun.sleep(current.ms)
      if (current.mode === 'throttle') return cognitoErrorResponse('TooManyRequestsException', 'Rate exceeded')
      if (current.mode === 'error500')
        return cognitoErrorResponse('InternalErrorException', 'Internal server error', 500)
      const res = await fetch(upstream, {
        method: 'POST',
        headers: {
          'content-type': request.headers.get('content-type') ?? '',
          'x-amz-target': request.headers.get('x-amz-target') ?? '',
        },
        body: await request.text(),
      })
      return new Response(await res.text(), {
        status: res.status,
        headers: { 'content-type': res.headers.get('content-type') ?? '' },
      })
    },
  })

  const sockets = new Set<net.Socket>()
  const tcp = net.createServer((client) => {
    connections++
    if (fault.mode === 'reset') return void client.resetAndDestroy()
    const server = net.connect(http.port!, '127.0.0.1')
    for (const socket of [client, server]) {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      socket.on('error', () => {
        client.destroy()
        server.destroy()
      })
    }
    client.pipe(server).pipe(client)
  })
  const listen = (port: number) => new Promise<void>((resolve) => tcp.listen(port, '127.0.0.1', resolve))
  const close = () => new Promise<void>((resolve) => tcp.close(() => resolve()))
  await listen(0)
  const port = (tcp.address() as net.AddressInfo).port

  return {
    url: `http://127.0.0.1:${port}`,
    async set(next) {
      const wasListening = fault.mode !== 'refuse'
      fault = next
      // Kept-alive connections would carry requests past a new fault: every mode starts clean.
      for (const socket of sockets) socket.destroy()
      if (next.mode === 'refuse' && wasListening) await close()
      if (next.mode !== 'refuse' && !wasListening) await listen(port)
    },
    attempts: () => attempts,
    connections: () => connections,
    async stop() {
      for (const socket of sockets) socket.destroy()
      if (fault.mode !== 'refuse') await close()
      await http.stop(true)
    },
  }
}
