'use strict';
/*
 * rng.js: a small, fast, seedable pseudo-random generator (xoshiro128**)
 * and the sampling helpers the simulator needs.
 *
 * Contract: two Rng objects made from the same seed produce the same
 * sequence on every platform and Node version (only 32-bit integer
 * arithmetic through Math.imul and >>> is used, never Math.random).
 * Not cryptographic.
 */

/* splitmix32: expands one 32-bit state into well-mixed words. */
function splitmix32(state) {
  let s = state >>> 0;
  return function next() {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/* FNV-1a of a string: turns any seed text into 32 bits. */
function hashString(str) {
  let h = 0x811c9dc5;
  for (let i = 0; i < str.length; i++) {
    h ^= str.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const HEX = '0123456789abcdef';

class Rng {
  /* seed: a string or a number; equal seeds give equal sequences. */
  constructor(seed) {
    const sm = splitmix32(hashString(String(seed)));
    this.a = sm();
    this.b = sm();
    this.c = sm();
    this.d = sm();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /* A uniformly distributed unsigned 32-bit integer. */
  u32() {
    const r = Math.imul(((Math.imul(this.b, 5) << 7) | (Math.imul(this.b, 5) >>> 25)), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = (this.d << 11) | (this.d >>> 21);
    return r;
  }

  /* A float in [0, 1). */
  float() {
    return this.u32() / 4294967296;
  }

  /* An integer in [lo, hi], both inclusive. */
  int(lo, hi) {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /* True with probability p. */
  chance(p) {
    return this.float() < p;
  }

  /* One element of a non-empty array, uniformly. */
  pick(arr) {
    return arr[Math.floor(this.float() * arr.length)];
  }

  /* n lowercase hex digits. */
  hex(n) {
    let s = '';
    while (s.length < n) {
      let w = this.u32();
      for (let i = 0; i < 8 && s.length < n; i++) {
        s += HEX[w & 15];
        w >>>= 4;
      }
    }
    return s;
  }

  /* A child generator whose sequence depends only on this one's state. */
  fork(label) {
    return new Rng(`${this.u32()}:${this.u32()}:${label}`);
  }

  /*
   * A sample from an exponential distribution with the given mean, cut
   * at max (if given).
   */
  exp(mean, max) {
    const v = -Math.log(1 - this.float()) * mean;
    return max !== undefined && v > max ? max : v;
  }
}

/*
 * A weighted chooser over items: build once (O(n)), sample in O(log n).
 * weights must be non-negative with a positive sum.
 */
class Weighted {
  constructor(items, weights) {
    if (items.length === 0 || items.length !== weights.length) {
      throw new Error('Weighted: need as many weights as items, and at least one');
    }
    this.items = items;
    this.cum = new Float64Array(items.length);
    let sum = 0;
    for (let i = 0; i < items.length; i++) {
      if (!(weights[i] >= 0)) throw new Error(`Weighted: bad weight ${weights[i]}`);
      sum += weights[i];
      this.cum[i] = sum;
    }
    if (!(sum > 0)) throw new Error('Weighted: the weights sum to zero');
    this.total = sum;
  }

  index(rng) {
    const x = rng.float() * this.total;
    let lo = 0;
    let hi = this.cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cum[mid] > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  pick(rng) {
    return this.items[this.index(rng)];
  }
}

/* Build a Weighted from [[item, weight], ...] pairs. */
function weighted(pairs) {
  return new Weighted(pairs.map((p) => p[0]), pairs.map((p) => p[1]));
}

module.exports = { Rng, Weighted, weighted, hashString };
