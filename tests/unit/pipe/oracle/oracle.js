// Differential oracle: evaluates pipe-catalog calls with Node's own JavaScript built-ins,
// calling each built-in the way HotMesh's handlers do (optional parameters forwarded
// explicitly). Reads one JSON array of [name, args] cases on stdin, writes one JSON array
// of tagged results. Only used by tests/unit/pipe/test_pipe_differential.py.
'use strict';

const U = { $u: 1 };
let dateInstance;
function decode(v) {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === 'object') {
    if ('$u' in v) return undefined;
    if ('$n' in v) return v.$n === '-0' ? -0 : Number(v.$n);
    if ('$d' in v) return new Date(decode(v.$d));
    const o = {};
    for (const k of Object.keys(v)) o[k] = decode(v[k]);
    return o;
  }
  return v;
}
function encode(v, seen = new Set()) {
  if (v === undefined) return U;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return { $n: 'NaN' };
    if (v === Infinity) return { $n: 'Infinity' };
    if (v === -Infinity) return { $n: '-Infinity' };
    if (Object.is(v, -0)) return { $n: '-0' };
    return v;
  }
  if (v instanceof Date) return { $d: encode(v.getTime()) };
  // a boxed primitive (Object.assign('ab')) serialises as the primitive in JSON
  if (v instanceof String || v instanceof Number || v instanceof Boolean) return encode(v.valueOf());
  if (typeof v === 'function') return { $f: 1 };
  if (Array.isArray(v)) return v.map((x) => encode(x, seen));
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v)) o[k] = encode(v[k], seen);
    return o;
  }
  return v;
}

const F = {
  'array.get': (a, i) => a?.[i || 0],
  'array.length': (a) => a?.length,
  'array.concat': (a, b) => a.concat(b),
  'array.indexOf': (a, s, f) => a.indexOf(s, f),
  'array.join': (a, s) => a.join(s),
  'array.lastIndexOf': (a, s, f) => a.lastIndexOf(s, f),
  'array.pop': (a) => a.pop(),
  'array.push': (a, ...xs) => { a.push(...xs); return a; },
  'array.reverse': (a) => a.reverse(),
  'array.shift': (a) => a.shift(),
  'array.slice': (a, s, e) => a.slice(s, e),
  'array.splice': (a, s, d, ...xs) => [a.splice(s, d, ...xs), a],
  'array.unshift': (a, ...xs) => [a.unshift(...xs), a],
  'bitwise.and': (a, b) => a & b,
  'bitwise.or': (a, b) => a | b,
  'bitwise.xor': (a, b) => a ^ b,
  'bitwise.leftShift': (a, b) => a << b,
  'bitwise.rightShift': (a, b) => a >> b,
  'bitwise.unsignedRightShift': (a, b) => a >>> b,
  'conditional.ternary': (c, t, f) => (c ? t : f),
  'conditional.equality': (a, b) => a == b,
  'conditional.strict_equality': (a, b) => a === b,
  'conditional.greater_than': (a, b) => a > b,
  'conditional.less_than': (a, b) => a < b,
  'conditional.greater_than_or_equal': (a, b) => a >= b,
  'conditional.less_than_or_equal': (a, b) => a <= b,
  'conditional.nullish': (a, b) => a ?? b,
  'json.stringify': (v, r, s) => JSON.stringify(v, r, s),
  'json.parse': (t) => JSON.parse(t),
  'logical.and': (a, b) => a && b,
  'logical.or': (a, b) => a || b,
  'unary.not': (v) => !v,
  'unary.positive': (v) => +v,
  'unary.negative': (v) => -v,
  'unary.bitwise_not': (v) => ~v,
  'number.isFinite': (x) => Number.isFinite(x),
  'number.isEven': (x) => !isNaN(x) && x % 2 === 0,
  'number.isOdd': (x) => !isNaN(x) && x % 2 !== 0,
  'number.isInteger': (x) => Number.isInteger(x),
  'number.isNaN': (x) => Number.isNaN(x),
  'number.parseFloat': (x) => parseFloat(x),
  'number.parseInt': (x, r) => parseInt(x, r),
  'number.toFixed': (x, d) => x.toFixed(d),
  'number.toExponential': (x, d) => x.toExponential(d),
  'number.toPrecision': (x, p) => x.toPrecision(p),
  'number.gte': (a, b) => a >= b,
  'number.lte': (a, b) => a <= b,
  'number.gt': (a, b) => a > b,
  'number.lt': (a, b) => a < b,
  'number.max': (...v) => Math.max(...v),
  'number.min': (...v) => Math.min(...v),
  'number.pow': (a, b) => Math.pow(a, b),
  'number.round': (x) => Math.round(x),
  'string.split': (s, d) => s.split(d),
  'string.charAt': (s, i) => s.charAt(i),
  'string.concat': (...xs) => xs.join(''),
  'string.includes': (s, x, p) => s.includes(x, p),
  'string.indexOf': (s, x, p) => s.indexOf(x, p),
  'string.lastIndexOf': (s, x, p) => s.lastIndexOf(x, p),
  'string.slice': (s, a, b) => s.slice(a, b),
  'string.toLowerCase': (s) => s.toLowerCase(),
  'string.toUpperCase': (s) => s.toUpperCase(),
  'string.trim': (s) => s.trim(),
  'string.trimStart': (s) => s.trimStart(),
  'string.trimEnd': (s) => s.trimEnd(),
  'string.padStart': (s, n, p) => s.padStart(n, p),
  'string.padEnd': (s, n, p) => s.padEnd(n, p),
  'string.replace': (s, a, b) => s.replace(a, b),
  'string.search': (s, r) => s.search(r),
  'string.substring': (s, a, b) => s.substring(a, b),
  'string.startsWith': (s, x, p) => s.startsWith(x, p),
  'string.endsWith': (s, x, p) => s.endsWith(x, p),
  'object.get': (o, p) => o?.[p],
  'object.keys': (o) => (o && Object.keys(o)) || [],
  'object.values': (o) => (o && Object.values(o)) || [],
  'object.entries': (o) => (o && Object.entries(o)) || [],
  'object.fromEntries': (x) => Object.fromEntries(x),
  'object.getOwnPropertyNames': (o) => Object.getOwnPropertyNames(o || {}),
  'object.getOwnPropertyDescriptor': (o, p) => Object.getOwnPropertyDescriptor(o || {}, p),
  'object.hasOwnProperty': (o, p) => Object.prototype.hasOwnProperty.call(o, p),
  'object.propertyIsEnumerable': (o, p) => Object.prototype.propertyIsEnumerable.call(o, p),
  'object.create': (...a) => { const o = {}; for (let i = 0; i < a.length; i += 2) o[a[i]] = a[i + 1]; return o; },
  'array.sort': (a, order = 'ASCENDING') => a.sort((x, y) => {
    const up = order === 'ASCENDING';
    if (x === y) return 0;
    if (x === null || x === undefined) return up ? -1 : 1;
    if (y === null || y === undefined) return up ? 1 : -1;
    if (typeof x === 'string' && typeof y === 'string') return up ? x.localeCompare(y) : y.localeCompare(x);
    return up ? (x < y ? -1 : 1) : (x > y ? -1 : 1);
  }),
  'object.set': (o, p, v) => { if (!o) o = {}; o[p] = v; return o; },
  'object.assign': (t, ...s) => Object.assign(t || {}, ...s),
  'date.fromISOString': (s) => new Date(s),
  // HotMesh's variadic arithmetic; list operands recurse (the port's §9 #3 fix)
  'math.add': (...ops) => ops.reduce((a, b) => (Array.isArray(b) ? a + F['math.add'](...b) : a + b), 0),
  'math.multiply': (...ops) => {
    if (ops.length === 0) throw new Error('At least one operand is required.');
    return ops.reduce((a, b) => (Array.isArray(b) ? a * F['math.multiply'](...b) : a * b), 1);
  },
  'math.subtract': (...ops) => {
    if (ops.length === 0) throw new Error('At least one operand is required.');
    const flat = ops.flatMap((o) => (Array.isArray(o) ? o : [o]));
    if (flat.length === 0) throw new Error('At least one operand is required after flattening.');
    return flat.reduce((a, b) => a - b);
  },
  'math.divide': (...ops) => {
    if (ops.length === 0) throw new Error('At least one operand is required.');
    const flat = ops.flatMap((o) => (Array.isArray(o) ? o : [o]));
    if (flat.length === 0) throw new Error('At least one operand is required after flattening.');
    const r = flat.reduce((a, b) => (b === 0 ? NaN : a / b));
    return isNaN(r) ? NaN : r;
  },
  'string.repeat': (s, n) => {
    if (n < 0 || n === Infinity) throw new RangeError('Invalid repeat count. Must be a positive finite number.');
    return s.repeat(n);
  },
  'date.toISOXString': (d) => (d ? dateInstance(d) : new Date()).toISOString().replace(/[:TZ-]/g, ''),
  'date.parse': (s) => Date.parse(s),
  'date.UTC': (...a) => Date.UTC(a[0], a[1], a[2], a[3], a[4], a[5], a[6]),
  'js.toString': (v) => String(v),
  'js.toNumber': (v) => Number(v),
  'js.add': (a, b) => a + b,
};
for (const name of ['abs', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cbrt', 'ceil',
  'clz32', 'cos', 'cosh', 'exp', 'expm1', 'floor', 'fround', 'log', 'log10', 'log1p', 'log2',
  'round', 'sign', 'sin', 'sinh', 'sqrt', 'tan', 'tanh', 'trunc']) {
  F['math.' + name] = (x) => Math[name](x);
}
F['math.atan2'] = (y, x) => Math.atan2(y, x);
F['math.hypot'] = (...v) => Math.hypot(...v);
F['math.imul'] = (a, b) => Math.imul(a, b);
F['math.max'] = (...v) => Math.max(...v);
F['math.min'] = (...v) => Math.min(...v);
F['math.pow'] = (a, b) => Math.pow(a, b);

dateInstance = (input) => {
  const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z)?$/;
  if (typeof input === 'string') {
    if (ISO.test(input)) return new Date(input);
    const ms = parseInt(input, 10);
    if (!isNaN(ms)) return new Date(ms);
  } else if (input instanceof Date) return input;
  else if (typeof input === 'number') return new Date(input);
  throw new Error('Invalid date format');
};
for (const m of ['getDate', 'getDay', 'getFullYear', 'getHours', 'getMilliseconds',
  'getMinutes', 'getMonth', 'getSeconds', 'getTime', 'getTimezoneOffset', 'getUTCDate',
  'getUTCDay', 'getUTCFullYear', 'getUTCHours', 'getUTCMilliseconds', 'getUTCMinutes',
  'getUTCMonth', 'getUTCSeconds', 'toDateString', 'toISOString', 'toJSON', 'toString',
  'valueOf']) {
  F['date.' + m] = (d) => dateInstance(d)[m]();
}
for (const [m, n] of [['setMilliseconds', 1], ['setMinutes', 3], ['setMonth', 2],
  ['setSeconds', 2], ['setTime', 1], ['setUTCDate', 1], ['setUTCFullYear', 3],
  ['setUTCHours', 4], ['setUTCMilliseconds', 1], ['setUTCMinutes', 3], ['setUTCMonth', 2],
  ['setUTCSeconds', 2], ['setDate', 1], ['setFullYear', 3], ['setHours', 4]]) {
  F['date.' + m] = (d, ...a) => dateInstance(d)[m](...Array.from({ length: n }, (_, i) => a[i]));
}
for (const m of ['toLocaleString', 'toLocaleDateString', 'toLocaleTimeString']) {
  F['date.' + m] = (d, l, o) => dateInstance(d)[m](l, o).replace(/\u202f/g, ' ');
}

const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = cases.map(([name, args]) => {
  try {
    return { ok: encode(F[name](...decode(args))) };
  } catch (e) {
    return { err: e.constructor.name, msg: String(e.message) };
  }
});
process.stdout.write(JSON.stringify(out));
