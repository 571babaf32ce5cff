/**
 * The inference runtime of a standalone model module (plain JavaScript, no imports): base64
 * weights, embedding lookup, the stacked / bidirectional RNN over the embedded cell kernels,
 * pooling, the linear head, and the same input encoding and prediction decoding as
 * `model/predict.ts` (a test checks the two agree on every kind of model). It reads `KERNELS`
 * (one per distinct layer input size) and `CONFIG`, which the exporter writes before it.
 */
export const MODEL_RUNTIME = String.raw`
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
function fromBase64(s) {
  const bytes = new Uint8Array(Math.floor((s.length * 3) / 4) - (s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0));
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const n = (B64.indexOf(s[i]) << 18) | (B64.indexOf(s[i + 1]) << 12) | ((B64.indexOf(s[i + 2]) & 63) << 6) | (B64.indexOf(s[i + 3]) & 63);
    if (o < bytes.length) bytes[o++] = (n >> 16) & 255;
    if (o < bytes.length) bytes[o++] = (n >> 8) & 255;
    if (o < bytes.length) bytes[o++] = n & 255;
  }
  return bytes;
}
const WEIGHTS = (() => {
  const b = fromBase64(WEIGHTS_B64);
  const v = new DataView(b.buffer);
  const n = CONFIG.dtype === "float32" ? b.length / 4 : b.length / 8;
  const out = CONFIG.dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = CONFIG.dtype === "float32" ? v.getFloat32(i * 4, true) : v.getFloat64(i * 8, true);
  return out;
})();
const slot = (name) => {
  const s = CONFIG.slots[name];
  return s === undefined ? undefined : WEIGHTS.subarray(s[0], s[0] + s[1]);
};
const BLOCKS = CONFIG.blocks.map((b) => KERNELS[b.kernel].params(WEIGHTS.subarray(b.offset, b.offset + b.size)));

function foldAscii(s) {
  return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[^A-Za-z .,;']/g, "");
}
function normalizeText(s, how) {
  if (how === "lower") return s.trim().toLowerCase();
  if (how === "fold-ascii") return foldAscii(s.trim());
  return s;
}

/** One input as the model reads it: token ids [T] or features [T·I]. */
function encode(input) {
  const tokens = CONFIG.input.kind === "tokens";
  const text = CONFIG.task && CONFIG.task.text;
  if (typeof input === "string") {
    if (!tokens || !text) throw new Error("predict: this model does not read text (give token ids or per-step features)");
    const chars = [...text.chars];
    const ids = Array.from(normalizeText(input, text.normalize), (c) => {
      const i = chars.indexOf(c);
      if (i < 0) throw new Error("predict: character " + JSON.stringify(c) + " in " + JSON.stringify(input) + " is not in the model's vocabulary " + JSON.stringify(text.chars));
      return i;
    });
    if (ids.length === 0) throw new Error("predict: " + JSON.stringify(input) + " has no characters");
    return ids;
  }
  const flat = [];
  for (let i = 0; i < input.length; i++) {
    const v = input[i];
    if (typeof v === "number") flat.push(v);
    else for (let j = 0; j < v.length; j++) flat.push(v[j]);
  }
  const per = tokens ? 1 : CONFIG.input.size;
  if (flat.length === 0 || flat.length % per !== 0)
    throw new Error("predict: expected a non-empty sequence of " + (tokens ? "token ids" : "steps of " + per + " features") + ", got " + flat.length + " values");
  for (const v of flat) {
    if (tokens ? !(Number.isInteger(v) && v >= 0 && v < CONFIG.input.vocab) : !Number.isFinite(v))
      throw new Error("predict: " + v + " is not " + (tokens ? "a token id in [0, " + CONFIG.input.vocab + ")" : "a finite number"));
  }
  return flat;
}

/** The RNN outputs [T][D·O] of one encoded input. */
function rnn(x) {
  let W = CONFIG.input.kind === "tokens" ? CONFIG.input.dim : CONFIG.input.size;
  const T = x.length / (CONFIG.input.kind === "tokens" ? 1 : W);
  let inp = new Float64Array(T * W);
  if (CONFIG.input.kind === "tokens") {
    const E = slot("embedding");
    for (let t = 0; t < T; t++) for (let e = 0; e < W; e++) inp[t * W + e] = E[x[t] * W + e];
  } else inp.set(x);
  const { layers, D, O } = CONFIG;
  for (let l = 0; l < layers; l++) {
    const next = new Float64Array(T * D * O);
    for (let d = 0; d < D; d++) {
      const k = CONFIG.blocks[l * D + d];
      let xi = inp;
      if (d === 1) {
        xi = new Float64Array(T * W);
        for (let t = 0; t < T; t++) for (let i = 0; i < W; i++) xi[t * W + i] = inp[(T - 1 - t) * W + i];
      }
      const out = KERNELS[k.kernel].forward(BLOCKS[l * D + d], xi, { batch: 1, lengths: [T] }).output;
      for (let t = 0; t < T; t++) {
        const src = d === 1 ? T - 1 - t : t;
        for (let o = 0; o < O; o++) next[t * D * O + d * O + o] = out[src * O + o];
      }
    }
    inp = next;
    W = D * O;
  }
  return inp;
}

/** Pooling and the linear head: logits or values [C], or [T][C] per step. */
function head(seq, T) {
  const Dw = CONFIG.D * CONFIG.O, C = CONFIG.outputs;
  const Wo = slot("W_out"), bo = slot("b_out");
  const linear = (h, at) => {
    const z = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let d = 0; d < Dw; d++) s += Wo[c * Dw + d] * h[at + d];
      z[c] = s + bo[c];
    }
    return z;
  };
  const pool = CONFIG.pool;
  if (pool === "none") {
    const out = new Float64Array(T * C);
    for (let t = 0; t < T; t++) out.set(linear(seq, t * Dw), t * C);
    return out;
  }
  const h = new Float64Array(Dw);
  if (pool === "last") h.set(seq.subarray((T - 1) * Dw, T * Dw));
  else if (pool === "mean") {
    for (let d = 0; d < Dw; d++) {
      let s = 0;
      for (let t = 0; t < T; t++) s += seq[t * Dw + d];
      h[d] = s / T;
    }
  } else if (pool === "max") {
    for (let d = 0; d < Dw; d++) {
      let m = -Infinity;
      for (let t = 0; t < T; t++) m = Math.max(m, seq[t * Dw + d]);
      h[d] = m;
    }
  } else {
    const A = pool.attention, Wa = slot("W_att"), ba = slot("b_att"), va = slot("v_att");
    const e = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let a = 0; a < A; a++) {
        let u = 0;
        for (let d = 0; d < Dw; d++) u += seq[t * Dw + d] * Wa[a * Dw + d];
        s += Math.tanh(u + ba[a]) * va[a];
      }
      e[t] = s;
    }
    let m = -Infinity;
    for (let t = 0; t < T; t++) m = Math.max(m, e[t]);
    let z = 0;
    for (let t = 0; t < T; t++) z += (e[t] = Math.exp(e[t] - m));
    for (let d = 0; d < Dw; d++) {
      let s = 0;
      for (let t = 0; t < T; t++) s += seq[t * Dw + d] * (e[t] / z);
      h[d] = s;
    }
  }
  return linear(h, 0);
}

function decodeRow(z) {
  if (CONFIG.loss === "cross-entropy") {
    const labels = (CONFIG.task && CONFIG.task.classes) || z.map((_, i) => String(i));
    const top = Math.max(...z);
    const e = z.map((v) => Math.exp(v - top));
    const s = e.reduce((a, b) => a + b, 0);
    let index = 0;
    for (let c = 1; c < z.length; c++) if (z[c] > z[index]) index = c;
    return { kind: "class", label: labels[index], index, probabilities: Object.fromEntries(labels.map((l, c) => [l, e[c] / s])) };
  }
  if (CONFIG.loss === "binary-cross-entropy") return { kind: "binary", probabilities: z.map((v) => 1 / (1 + Math.exp(-v))) };
  return { kind: "values", values: z };
}

/** Raw outputs (logits or values) of one input: [C], or [T][C] per step. */
function outputs(input) {
  const x = encode(input);
  const T = CONFIG.input.kind === "tokens" ? x.length : x.length / CONFIG.input.size;
  return head(rnn(x), T);
}

/** A prediction: a label with probabilities, numbers, or one prediction per step. */
function predict(input) {
  const out = outputs(input);
  const C = CONFIG.outputs;
  if (CONFIG.pool === "none") {
    const steps = [];
    for (let t = 0; t < out.length / C; t++) steps.push(decodeRow(Array.from(out.subarray(t * C, (t + 1) * C))));
    return { kind: "steps", steps };
  }
  return decodeRow(Array.from(out));
}
const config = CONFIG;
`;
