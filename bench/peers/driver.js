// Benchmark driver for the peer engines (HotMesh 0.0.55 on Redis, HotMesh 0.26.2 on
// Postgres), run by bench/run.py in the same invocation as hotmesh_pg so the numbers are
// comparable. Same app (apps/sandbox/hotmesh.yaml), same workload, same output shape:
//
//   node driver.js --peer hotmesh-0.0.55 --redis redis://127.0.0.1:6379/0 --yaml FILE
//   node driver.js --peer hotmesh-0.26.2 --pg '{"host":...,"database":...}' --yaml FILE
//     [--jobs 2000] [--inflight 50] [--latency 200] [--warmup 20]
//
// Prints one JSON object on stdout; progress goes to stderr.
'use strict';
const path = require('path');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const peer = arg('peer', 'hotmesh-0.0.55');
const yamlPath = path.resolve(arg('yaml', path.join(__dirname, '..', '..', 'apps', 'sandbox', 'hotmesh.yaml')));
const jobs = parseInt(arg('jobs', '2000'), 10);
const inflight = parseInt(arg('inflight', '50'), 10);
const latencySamples = parseInt(arg('latency', '200'), 10);
const warmup = parseInt(arg('warmup', '20'), 10);
const namespace = arg('namespace', `bench${Date.now().toString(36)}`);
const log = (msg) => process.stderr.write(`[${peer}] ${msg}\n`);

const lib = require(path.join(__dirname, 'build', peer, 'build', 'index.js'));
const { HotMesh } = lib;

function connectionConfig() {
  if (peer.startsWith('hotmesh-0.0.')) {
    const Redis = require(path.join(__dirname, 'build', peer, 'node_modules', 'ioredis'));
    const url = new URL(arg('redis', 'redis://127.0.0.1:6379/0'));
    const options = {
      host: url.hostname, port: parseInt(url.port || '6379', 10),
      db: parseInt((url.pathname || '/0').slice(1) || '0', 10),
    };
    return { kind: 'redis', Redis, options, field: 'redis', value: { class: Redis, options } };
  }
  const { Client } = require(path.join(__dirname, 'build', peer, 'node_modules', 'pg'));
  const options = JSON.parse(arg('pg', '{"host":"127.0.0.1","port":5432,"user":"postgres","database":"test"}'));
  return { kind: 'postgres', options, field: 'connection', value: { class: Client, options } };
}

const quick = async (streamData) => ({
  status: 'success',
  metadata: { ...streamData.metadata },
  data: { n: streamData.data.n },
});

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

async function cleanupRedis(conn) {
  const client = new conn.Redis(conn.options);
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) removed += await client.del(...keys);
  } while (cursor !== '0');
  await client.quit();
  return removed;
}

async function main() {
  const conn = connectionConfig();
  const engine = { [conn.field]: conn.value };
  const workers = ['sandbox.w1', 'sandbox.w2', 'sandbox.w3'].map((topic) => ({
    topic, [conn.field]: conn.value, callback: quick,
  }));
  const hm = await HotMesh.init({
    appId: 'sandbox', namespace, logLevel: arg('log-level', 'error'), engine, workers,
  });
  await hm.deploy(yamlPath);
  await hm.activate('1');
  log(`deployed ${yamlPath} in namespace ${namespace}`);

  let counter = 0;
  const one = () => hm.pubsub('sandbox.run', { n: ++counter }, null, 60_000);

  for (let i = 0; i < warmup; i++) await one();

  // Throughput: `inflight` loops share `jobs` pubsub calls; a job counts when its output
  // (all three workers done) has come back.
  let remaining = jobs;
  let failed = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inflight }, async () => {
    while (remaining > 0) {
      remaining--;
      try { await one(); } catch (e) { failed++; }
    }
  }));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  log(`${jobs} jobs in ${seconds.toFixed(2)} s`);

  // Latency: one pubsub at a time.
  const samples = [];
  for (let i = 0; i < latencySamples; i++) {
    const s = process.hrtime.bigint();
    await one();
    samples.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  samples.sort((a, b) => a - b);

  const result = {
    engine: peer,
    backend: conn.kind,
    jobs, inflight, failed,
    seconds: +seconds.toFixed(3),
    jobs_per_s: +((jobs - failed) / seconds).toFixed(1),
    latency_samples: samples.length,
    pubsub_p50_ms: +percentile(samples, 50).toFixed(2),
    pubsub_p95_ms: +percentile(samples, 95).toFixed(2),
  };
  hm.stop();
  await HotMesh.stop();
  if (conn.kind === 'redis') log(`removed ${await cleanupRedis(conn)} keys`);
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().then(() => process.exit(0)).catch((err) => {
  process.stderr.write(`[${peer}] failed: ${err && err.stack || err}\n`);
  process.exit(1);
});
