// Proves canonicalJson: sorted keys without whitespace, undefined handled like JSON, and (fast-check) any JSON value
// parses back to itself while any permutation of its object keys gives the same text.
import fc from 'fast-check';
import { canonicalJson } from './cache';

/** The same value with every object's keys inserted in another order (`order` picks the permutation). */
function permute(value: unknown, order: (n: number) => number[]): unknown {
  if (Array.isArray(value)) return value.map((v) => permute(v, order));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const out = {};
  for (const i of order(keys.length)) {
    // defineProperty: a `__proto__` key must stay a plain property
    Object.defineProperty(out, keys[i], { value: permute((value as Record<string, unknown>)[keys[i]], order), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** JSON values as a JSON body delivers them (JSON has no -0, which fast-check's jsonValue can produce). */
const json = () => fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);

describe('canonicalJson', () => {
  it('sorts keys at every depth, keeps array order and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson([{ b: 'x y', a: true }, 2])).toBe('[{"a":true,"b":"x y"},2]');
  });

  it('sorts by code unit, not numerically', () => {
    expect(canonicalJson({ 10: 'a', 9: 'b', B: 1, a: 2 })).toBe('{"10":"a","9":"b","B":1,"a":2}');
  });

  it('writes scalars as JSON does', () => {
    expect(canonicalJson('é "q" \n')).toBe(JSON.stringify('é "q" \n'));
    expect(canonicalJson(1.5e-7)).toBe('1.5e-7');
    expect(canonicalJson(false)).toBe('false');
    expect(canonicalJson(null)).toBe('null');
  });

  it('drops undefined object values, writes undefined array items and a bare undefined as null', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('tells different content apart', () => {
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson({ a: { b: 1 } })).not.toBe(canonicalJson({ 'a.b': 1 }));
  });

  it('property: any JSON value parses back to itself', () => {
    fc.assert(
      fc.property(json(), (x) => {
        expect(JSON.parse(canonicalJson(x))).toEqual(x);
      }),
      { numRuns: 1000 },
    );
  });

  it('property: permuting object keys gives the same text', () => {
    fc.assert(
      fc.property(json(), fc.infiniteStream(fc.nat()), (x, stream) => {
        const it = stream[Symbol.iterator]();
        // a Fisher–Yates permutation driven by the generated stream
        const order = (n: number) => {
          const idx = Array.from({ length: n }, (_, i) => i);
          for (let i = n - 1; i > 0; i--) {
            const j = (it.next().value as number) % (i + 1);
            [idx[i], idx[j]] = [idx[j], idx[i]];
          }
          return idx;
        };
        const y = permute(x, order);
        expect(y).toEqual(x);
        expect(canonicalJson(y)).toBe(canonicalJson(x));
      }),
      { numRuns: 1000 },
    );
  });

  it('property: equal texts mean equal values', () => {
    fc.assert(
      fc.property(json(), json(), (a, b) => {
        if (canonicalJson(a) === canonicalJson(b)) expect(a).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });
});
