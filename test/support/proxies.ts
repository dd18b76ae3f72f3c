// Real reverse proxies in front of a recording upstream, each asking the service's token check before
// it forwards a request: Debian's nginx (auth_request) and caddy (forward_auth), each with its own
// configuration in a temporary directory, on a free port, in the foreground. The configurations are
// the ones docs/token-check.md gives, with the addresses filled in.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { requireExecutable } from './requirements.ts'
import { freePort } from './util.ts'

/** What the upstream behind a proxy received: one entry per request that reached it. */
export interface Upstream {
  url: string
  received: Array<{ method: string; path: string; headers: Record<string, string> }>
  stop(): void
}

/** A tiny upstream that answers 200 "upstream" and records every request it gets. */
export function startUpstream(): Upstream {
  const received: Upstream['received'] = []
  const server = Bun.serve({
    port: 0,
    fetch(request) {
      const url = new URL(request.url)
      received.push({ method: request.method, path: url.pathname + url.search, headers: request.headers.toJSON() })
      return new Response('upstream')
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, received, stop: () => void server.stop(true) }
}

export interface RunningProxy {
  url: string
  /** Everything the proxy wrote to its logs so far (for a failing test's message). */
  output(): string
  stop(): Promise<void>
}

/** The identity headers the service answers with, which the proxies copy (src/schemas/token-check.ts). */
const IDENTITY = ['User', 'Preferred-Username', 'Groups', 'Auth-Time', 'Scope'] as const

const nginxConfig = (dir: string, port: number, service: string, upstream: string) => `
# One process in the foreground, everything in this directory: a test's own nginx.
daemon off;
master_process off;
pid ${dir}/nginx.pid;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
${nginxLocations(service, upstream)}
  }
}
`

/** The server block's locations, as docs/token-check.md gives them. */
export const nginxLocations = (service: string, upstream: string) => `
    location / {
      auth_request /_token_check;
${IDENTITY.map((name) => `      auth_request_set $auth_${name.toLowerCase().replace('-', '_')} $upstream_http_x_auth_request_${name.toLowerCase().replace('-', '_')};`).join('\n')}
      # proxy_set_header replaces whatever the client sent under these names; an empty value drops
      # the header, which clears the names of the convention the service does not set.
${IDENTITY.map((name) => `      proxy_set_header X-Auth-Request-${name} $auth_${name.toLowerCase().replace('-', '_')};`).join('\n')}
      proxy_set_header X-Auth-Request-Email "";
      proxy_set_header X-Auth-Request-Access-Token "";
      proxy_pass ${upstream};
    }
    location = /_token_check {
      internal;
      proxy_pass ${service}/token/verify;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Original-URI $request_uri;
    }`

const caddyfile = (port: number, service: string, upstream: string) => `{
  admin off
  auto_https off
}
http://127.0.0.1:${port} {
${caddyRoute(service, upstream)}
}
`

/** The site's route, as docs/token-check.md gives it. */
export const caddyRoute = (service: string, upstream: string) => `  route {
    # Whatever the client sent under these names goes first; forward_auth then sets the service's.
    request_header -X-Auth-Request-*
    forward_auth ${service.replace(/^http:\/\//, '')} {
      uri /token/verify
      copy_headers ${IDENTITY.map((name) => `X-Auth-Request-${name}`).join(' ')}
    }
    reverse_proxy ${upstream.replace(/^http:\/\//, '')}
  }`

async function startProxy(command: string[], dir: string, port: number, env: Record<string, string> = {}) {
  const proc: Subprocess<'ignore', 'pipe', 'pipe'> = Bun.spawn(command, {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let text = ''
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) text += new TextDecoder().decode(chunk)
  }
  void pump(proc.stdout)
  void pump(proc.stderr)
  const url = `http://127.0.0.1:${port}`
  const output = () => {
    let log = ''
    try {
      log = readFileSync(join(dir, 'error.log'), 'utf8')
    } catch {
      // no error log (caddy writes to stderr)
    }
    return `${text}${log}`
  }
  const deadline = Date.now() + 10_000
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${command[0]} exited with ${proc.exitCode}:\n${output()}`)
    try {
      await fetch(url, { signal: AbortSignal.timeout(500) })
      break
    } catch {
      if (Date.now() > deadline) {
        proc.kill('SIGKILL')
        throw new Error(`${command[0]} did not listen on ${url}:\n${output()}`)
      }
      await Bun.sleep(50)
    }
  }
  return {
    url,
    output,
    async stop() {
      proc.kill('SIGTERM')
      await proc.exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** nginx with auth_request to `service`'s token check, in front of `upstream`. */
export async function startNginx(service: string, upstream: string): Promise<RunningProxy> {
  requireExecutable('/usr/sbin/nginx', 'nginx', 'the token check behind nginx')
  const dir = mkdtempSync(join(tmpdir(), 'token-check-nginx-'))
  const port = await freePort()
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port, service, upstream))
  return startProxy(
    ['/usr/sbin/nginx', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')],
    dir,
    port,
  )
}

/** caddy with forward_auth to `service`'s token check, in front of `upstream`. */
export async function startCaddy(service: string, upstream: string): Promise<RunningProxy> {
  requireExecutable('/usr/bin/caddy', 'caddy', 'the token check behind caddy')
  const dir = mkdtempSync(join(tmpdir(), 'token-check-caddy-'))
  const port = await freePort()
  writeFileSync(join(dir, 'Caddyfile'), caddyfile(port, service, upstream))
  return startProxy(
    ['/usr/bin/caddy', 'run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'],
    dir,
    port,
    {
      XDG_CONFIG_HOME: dir,
      XDG_DATA_HOME: dir,
    },
  )
}
