// Deploys YAML apps with HotMesh 0.0.55 itself (the peer build under bench/peers/build)
// into one Redis namespace, in order, and prints every hash it left there as JSON, so
// tests can compare our deploy artifacts with the reference's byte for byte.
//
//   node hotmesh_deploy.js PEER_DIR REDIS_URL NAMESPACE APP_ID YAML [YAML ...]
'use strict';
const path = require('path');

async function main() {
  const [peer, redisUrl, namespace, appId, ...yamls] = process.argv.slice(2);
  const { HotMesh } = require(path.join(peer, 'build', 'index.js'));
  const Redis = require(path.join(peer, 'node_modules', 'ioredis'));
  const url = new URL(redisUrl);
  const options = { host: url.hostname, port: parseInt(url.port || '6379', 10),
    db: parseInt((url.pathname || '/0').slice(1) || '0', 10) };
  const hm = await HotMesh.init({ appId, namespace, logLevel: 'error',
    engine: { redis: { class: Redis, options } } });
  for (const yaml of yamls) {
    if (!(await hm.deploy(yaml))) throw new Error(`HotMesh could not deploy ${yaml}`);
  }
  const client = new Redis(options);
  const out = {};
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      if ((await client.type(key)) === 'hash') out[key] = await client.hgetall(key);
    }
  } while (cursor !== '0');
  await client.quit();
  hm.stop();
  // HotMesh.stop() waits ~20 s for blocked stream reads; exiting the process is enough
  await new Promise((resolve) => process.stdout.write(JSON.stringify(out), resolve));
}

main().then(() => process.exit(0)).catch((err) => {
  process.stderr.write(String((err && err.stack) || err));
  process.exit(1);
});
