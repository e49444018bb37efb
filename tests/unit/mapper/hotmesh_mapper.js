// Runs HotMesh 0.0.55's MapperService (from the peer build) over cases read as JSON on stdin:
// {"map": [{rules, context}], "evaluate": [{rule, context, code}]}; prints the results.
// `undefined` is reported as {"$undefined": true} so it survives JSON.
'use strict';
const path = require('path');

const { MapperService } = require(path.join(process.argv[2], 'build', 'services', 'mapper'));
const wrap = (value) => {
  if (value === undefined) return { $undefined: true };
  if (Array.isArray(value)) return value.map(wrap);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wrap(v)]));
  }
  return value;
};
let input = '';
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const { map, evaluate } = JSON.parse(input);
  const out = {
    map: map.map(({ rules, context }) => wrap(new MapperService(rules, context).mapRules())),
    evaluate: evaluate.map(({ rule, context, code }) => MapperService.evaluate(rule, context, code)),
  };
  process.stdout.write(JSON.stringify(out));
});
