// Launcher for a local AT Protocol network (PLC + PDS, optionally the Bluesky AppView) built from
// the reference implementation on the npm registry (@atproto/dev-env, pinned in package-lock.json).
//
// It binds every server to 127.0.0.1, creates the requested accounts (each with an app password),
// prints ONE JSON line on stdout once everything answers, and on SIGTERM/SIGINT closes every server
// and deletes what it created (temporary files, PostgreSQL schemas). Everything else goes to stderr.
//
// Run it through `bsky-local.sh run|start` so that the pinned Node 22 is used. `--help` for options.

import { rmSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'

const HOST = '127.0.0.1'
const t0 = performance.now()

const HELP = `usage: bsky-local.mjs [options]
  --accounts a,b,c      names of accounts to create as <name>.test (>= 3 chars, [a-z0-9-]); default alice,bob
  --password PW         password of every created account; default "password"
  --plc-port N          PLC port (0 = a free port, the default)
  --pds-port N          PDS port (0 = a free port, the default)
  --appview-port N      AppView port (0 = a free port, the default); only with --appview
  --rate-limits         turn on the PDS's production rate limits (in memory)
  --appview             also start the AppView (+ bsync, Ozone); needs PostgreSQL (Redis host is only asserted)
  --pg-url URL          PostgreSQL for the AppView; default $DB_POSTGRES_URL or postgresql://postgres@127.0.0.1:5432/test
  --redis-host H:P      Redis for the AppView; default $REDIS_HOST or 127.0.0.1:6379
  --exit-with-parent    shut down when the parent process dies (for test fixtures)
  --verbose             server logs (pino) on stderr
  --help`

const { values: opts } = parseArgs({
  options: {
    accounts: { type: 'string', default: 'alice,bob' },
    password: { type: 'string', default: 'password' },
    'plc-port': { type: 'string', default: '0' },
    'pds-port': { type: 'string', default: '0' },
    'appview-port': { type: 'string', default: '0' },
    'rate-limits': { type: 'boolean', default: false },
    appview: { type: 'boolean', default: false },
    'pg-url': { type: 'string' },
    'redis-host': { type: 'string' },
    'exit-with-parent': { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
})
if (opts.help) {
  process.stderr.write(HELP + '\n')
  process.exit(0)
}

const fail = (msg) => {
  process.stderr.write(`bsky-local: error: ${msg}\n`)
  process.exit(2)
}

const port = (name) => {
  const n = Number(opts[name])
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`--${name} must be a port number`)
  return n
}

// The PDS rejects handles whose first label is shorter than 3 characters ("Handle too short"):
// fail early with a clear message instead of halfway through the start.
const names = opts.accounts
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
for (const name of names) {
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(name)) {
    fail(`account name "${name}": need >= 3 chars of [a-z0-9-] (the handle becomes ${name}.test)`)
  }
}

// --- loopback only -------------------------------------------------------------------------------
// PLC, PDS, AppView, bsync and Ozone all call `listen(port)` without a host, which binds every
// interface. Rewrite those calls (and explicit wildcard hosts) to 127.0.0.1 before any server starts.
const WILDCARDS = new Set([undefined, null, '', '0.0.0.0', '::', '::0'])
const origListen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  const [first] = args
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, cb])
    if (typeof args[1] === 'string' || args[1] == null) {
      if (WILDCARDS.has(args[1])) args[1] = HOST
    } else {
      args.splice(1, 0, HOST)
    }
  } else if (first === undefined || typeof first === 'function') {
    // listen([cb]): a random port on every interface
    args.splice(0, 0, 0, HOST)
  } else if (first && typeof first === 'object' && first.path === undefined && first.fd === undefined && !first._handle && !first.handle) {
    // listen({port, host, ...}); unix sockets and inherited handles are left alone
    if (WILDCARDS.has(first.host)) args[0] = { ...first, host: HOST }
  }
  return origListen.apply(this, args)
}

// Library logs must never reach stdout: the test harness reads exactly one JSON line there.
console.log = console.info = console.debug = (...a) => console.error(...a)
if (opts.verbose) {
  process.env.LOG_ENABLED = 'true'
  process.env.LOG_DESTINATION = '/dev/stderr'
} else {
  process.env.LOG_ENABLED ??= 'false'
}

// dev-env computes its cross-process port-lock directory from os.tmpdir() when it is imported (so
// parallel networks never pick the same port): import it first, then point TMPDIR at a directory
// of our own so the PDS's SQLite files and blobs land there and go away with it.
const { TestNetwork, TestNetworkNoAppView } = await import('@atproto/dev-env')
const { ADMIN_PASSWORD } = await import('@atproto/dev-env/dist/const.js').catch(() => ({
  ADMIN_PASSWORD: 'admin-pass',
}))
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'bsky-local-'))
process.env.TMPDIR = dataDir

let network = null
let pgSchema = null
let pgUrl = null
let shuttingDown = null

const dropSchemas = async () => {
  // dev-env creates appview_/bsync_/ozone_<schema> and never drops them; do it so the shared
  // database does not fill up with dead schemas.
  if (!pgSchema || !pgUrl) return
  const pg = (await import('pg')).default
  const client = new pg.Client({ connectionString: pgUrl })
  try {
    await client.connect()
    for (const prefix of ['appview', 'bsync', 'ozone']) {
      await client.query(`DROP SCHEMA IF EXISTS "${prefix}_${pgSchema}" CASCADE`)
    }
  } catch (err) {
    process.stderr.write(`bsky-local: could not drop schemas *_${pgSchema}: ${err}\n`)
  } finally {
    await client.end().catch(() => {})
  }
}

const shutdown = (reason, code = 0) => {
  shuttingDown ??= (async () => {
    process.stderr.write(`bsky-local: shutting down (${reason})\n`)
    // A hung close must not leave a process behind: force the exit after 15 s.
    const killer = setTimeout(() => {
      process.stderr.write('bsky-local: close timed out, exiting anyway\n')
      rmSync(dataDir, { recursive: true, force: true })
      process.exit(code || 1)
    }, 15_000)
    killer.unref()
    try {
      if (network) await network.close()
    } catch (err) {
      process.stderr.write(`bsky-local: error while closing: ${err?.stack ?? err}\n`)
    }
    await dropSchemas()
    rmSync(dataDir, { recursive: true, force: true })
    process.exit(code)
  })()
  return shuttingDown
}
process.on('SIGTERM', () => shutdown('SIGTERM'))
process.on('SIGINT', () => shutdown('SIGINT'))
process.on('SIGHUP', () => shutdown('SIGHUP'))

if (opts['exit-with-parent']) {
  // A test runner killed with SIGKILL cannot stop us; notice that we were re-parented and leave.
  const parent = process.ppid
  setInterval(() => {
    if (process.ppid !== parent) shutdown('parent exited')
  }, 500).unref()
}

const xrpc = async (baseUrl, method, { body, token, params } = {}) => {
  const url = new URL(`/xrpc/${method}`, baseUrl)
  for (const [k, v] of Object.entries(params ?? {})) url.searchParams.set(k, v)
  const res = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${method} -> ${res.status} ${text}`)
  return text ? JSON.parse(text) : {}
}

try {
  // A port of 0 must be left out, not passed: dev-env spreads these params over its own config,
  // so `port: 0` would override the free port it picked (and then advertise the wrong URL).
  const withPort = (n, rest = {}) => (n ? { ...rest, port: n } : rest)
  // The production limits, kept in memory (no Redis): what the sync engine will meet for real.
  const pdsParams = withPort(port('pds-port'), { rateLimitsEnabled: opts['rate-limits'] })
  const plcParams = withPort(port('plc-port'))
  if (opts.appview) {
    pgUrl = opts['pg-url'] ?? process.env.DB_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test'
    process.env.REDIS_HOST = opts['redis-host'] ?? process.env.REDIS_HOST ?? '127.0.0.1:6379'
    // A fresh schema set per run, so parallel runs and leftovers never meet. Postgres schema names
    // built by dev-env may only hold [A-Za-z_].
    pgSchema =
      'run_' +
      Array.from({ length: 10 }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(Math.random() * 26)]).join('')
    network = await TestNetwork.create({
      dbPostgresUrl: pgUrl,
      dbPostgresSchema: pgSchema,
      plc: plcParams,
      pds: pdsParams,
      bsky: withPort(port('appview-port')),
    })
  } else {
    network = await TestNetworkNoAppView.create({ plc: plcParams, pds: pdsParams })
  }
  const tNetwork = performance.now()

  const pdsUrl = network.pds.url
  // Our own calls go to 127.0.0.1 directly: that is where the servers listen.
  const pdsLocal = `http://${HOST}:${network.pds.port}`
  const accounts = []
  for (const name of names) {
    const handle = `${name}.test`
    const session = await xrpc(pdsLocal, 'com.atproto.server.createAccount', {
      body: { handle, email: `${name}@example.com`, password: opts.password },
    })
    const appPw = await xrpc(pdsLocal, 'com.atproto.server.createAppPassword', {
      body: { name: 'envol-tests' },
      token: session.accessJwt,
    })
    accounts.push({
      handle,
      did: session.did,
      password: opts.password,
      appPassword: appPw.password,
      accessJwt: session.accessJwt,
      refreshJwt: session.refreshJwt,
    })
  }
  // The AppView indexes asynchronously from the firehose: wait until it knows every account, so
  // a test can read profiles at once.
  if (opts.appview) await network.processAll()

  // Ready means answering over HTTP, not just "listen() returned".
  await xrpc(pdsLocal, '_health')
  if (opts.appview) await xrpc(`http://${HOST}:${network.bsky.port}`, '_health')

  const out = {
    pdsUrl,
    plcUrl: network.plc.url,
    appviewUrl: opts.appview ? network.bsky.url : null,
    ozoneUrl: opts.appview ? network.ozone.url : null,
    pdsDid: network.pds.ctx.cfg.service.did,
    appviewDid: opts.appview ? network.bsky.ctx.cfg.serverDid : null,
    adminPassword: ADMIN_PASSWORD,
    rateLimits: opts['rate-limits'],
    pgSchema,
    dataDir,
    pid: process.pid,
    node: process.version,
    startupMs: { network: Math.round(tNetwork - t0), ready: Math.round(performance.now() - t0) },
    rssMB: Math.round(process.memoryUsage.rss() / 2 ** 20),
    accounts,
  }
  process.stdout.write(JSON.stringify(out) + '\n')
} catch (err) {
  // fetch() hides the useful part (ECONNREFUSED, ...) in err.cause.
  const cause = err?.cause ? `\ncaused by: ${err.cause?.stack ?? err.cause}` : ''
  process.stderr.write(`bsky-local: start failed: ${err?.stack ?? err}${cause}\n`)
  await shutdown('start failed', 1)
}
