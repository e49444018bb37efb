// Runs HotMesh 0.0.55's own SerializerService (from the peer build) over cases read as JSON
// on stdin and prints, per case, what package() and unpackage() return.
//
//   echo '{"symKeys":{...},"symVals":{...},"dIds":{...},"cases":[{"state":{},"ids":[]}]}' |
//     node hotmesh_serializer.js PEER_DIR
'use strict';
const path = require('path');

const peer = process.argv[2];
const { SerializerService } = require(path.join(peer, 'build', 'services', 'serializer'));
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const { symKeys, symVals, dIds, cases } = JSON.parse(input);
  const results = cases.map(({ state, ids }) => {
    const serializer = new SerializerService();
    serializer.resetSymbols(symKeys, symVals, dIds);
    const packaged = serializer.package(state, ids);
    return { packaged, unpackaged: serializer.unpackage(packaged, ids) };
  });
  process.stdout.write(JSON.stringify(results));
});
