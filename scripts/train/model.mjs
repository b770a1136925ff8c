// A small LLaMA (RMSNorm, RoPE in HF half-split layout, GQA causal attention, SwiGLU MLP,
// tied embeddings) with hand-written backward pass and AdamW, on typed arrays.
// The array type is configurable (Float32Array for training, Float64Array for gradient checks).

/** C[r*Cn + c] (+)= sum_k A[r*K + k] * B[c*K + k]   (A: R x K, B: Cn x K) */
export function gemmNT(C, A, B, R, Cn, K, acc = false) {
  const R4 = R - (R % 4);
  const C2 = Cn - (Cn % 2);
  for (let r = 0; r < R4; r += 4) {
    const a0 = r * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K;
    const o0 = r * Cn, o1 = o0 + Cn, o2 = o1 + Cn, o3 = o2 + Cn;
    for (let c = 0; c < C2; c += 2) {
      const b0 = c * K, b1 = b0 + K;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = B[b0 + k], x1 = B[b1 + k];
        const y0 = A[a0 + k], y1 = A[a1 + k], y2 = A[a2 + k], y3 = A[a3 + k];
        s00 += y0 * x0; s01 += y0 * x1;
        s10 += y1 * x0; s11 += y1 * x1;
        s20 += y2 * x0; s21 += y2 * x1;
        s30 += y3 * x0; s31 += y3 * x1;
      }
      if (acc) {
        C[o0 + c] += s00; C[o0 + c + 1] += s01; C[o1 + c] += s10; C[o1 + c + 1] += s11;
        C[o2 + c] += s20; C[o2 + c + 1] += s21; C[o3 + c] += s30; C[o3 + c + 1] += s31;
      } else {
        C[o0 + c] = s00; C[o0 + c + 1] = s01; C[o1 + c] = s10; C[o1 + c + 1] = s11;
        C[o2 + c] = s20; C[o2 + c + 1] = s21; C[o3 + c] = s30; C[o3 + c + 1] = s31;
      }
    }
    for (let c = C2; c < Cn; c++) {
      const b0 = c * K;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < K; k++) {
        const x = B[b0 + k];
        s0 += A[a0 + k] * x; s1 += A[a1 + k] * x; s2 += A[a2 + k] * x; s3 += A[a3 + k] * x;
      }
      if (acc) { C[o0 + c] += s0; C[o1 + c] += s1; C[o2 + c] += s2; C[o3 + c] += s3; }
      else { C[o0 + c] = s0; C[o1 + c] = s1; C[o2 + c] = s2; C[o3 + c] = s3; }
    }
  }
  for (let r = R4; r < R; r++) {
    const a0 = r * K;
    for (let c = 0; c < Cn; c++) {
      const b0 = c * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += A[a0 + k] * B[b0 + k];
      if (acc) C[r * Cn + c] += s;
      else C[r * Cn + c] = s;
    }
  }
}

/** dst (cols x rows) = src (rows x cols)^T */
export function transpose(dst, src, rows, cols) {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[o + c];
  }
}

/** Deterministic PRNG (mulberry32) with Box-Muller normals. */
export function makeRng(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    let u = 0;
    while (u === 0) u = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return { next, normal, int: (n) => Math.floor(next() * n) };
}

export class Llama {
  /**
   * cfg: { vocab, dim, layers, heads, kvHeads, hidden, maxPos, eps, theta }
   */
  constructor(cfg, F = Float32Array) {
    this.cfg = cfg;
    this.F = F;
    const { vocab, dim, layers, heads, kvHeads, hidden } = cfg;
    if (dim % heads) throw new Error('dim % heads');
    if (heads % kvHeads) throw new Error('heads % kvHeads');
    this.hd = dim / heads;
    if (this.hd % 2) throw new Error('head dim must be even');
    const hd = this.hd;
    // parameter layout: name -> [shape]
    const spec = [['model.embed_tokens.weight', [vocab, dim]]];
    for (let l = 0; l < layers; l++) {
      const p = `model.layers.${l}.`;
      spec.push([p + 'input_layernorm.weight', [dim]]);
      spec.push([p + 'self_attn.q_proj.weight', [heads * hd, dim]]);
      spec.push([p + 'self_attn.k_proj.weight', [kvHeads * hd, dim]]);
      spec.push([p + 'self_attn.v_proj.weight', [kvHeads * hd, dim]]);
      spec.push([p + 'self_attn.o_proj.weight', [dim, heads * hd]]);
      spec.push([p + 'post_attention_layernorm.weight', [dim]]);
      spec.push([p + 'mlp.gate_proj.weight', [hidden, dim]]);
      spec.push([p + 'mlp.up_proj.weight', [hidden, dim]]);
      spec.push([p + 'mlp.down_proj.weight', [dim, hidden]]);
    }
    spec.push(['model.norm.weight', [dim]]);
    let total = 0;
    this.spec = spec.map(([name, shape]) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const e = { name, shape, offset: total, size };
      total += size;
      return e;
    });
    this.nParams = total;
    this.params = new F(total);
    this.grads = new F(total);
    this.p = {};
    this.g = {};
    for (const e of this.spec) {
      this.p[e.name] = this.params.subarray(e.offset, e.offset + e.size);
      this.g[e.name] = this.grads.subarray(e.offset, e.offset + e.size);
    }
    // RoPE tables (HF half-split layout): angle(pos, i) = pos * theta^(-2i/hd)
    const half = hd / 2;
    this.cos = new F(cfg.maxPos * half);
    this.sin = new F(cfg.maxPos * half);
    for (let pos = 0; pos < cfg.maxPos; pos++)
      for (let i = 0; i < half; i++) {
        const a = pos * Math.pow(cfg.theta, (-2 * i) / hd);
        this.cos[pos * half + i] = Math.cos(a);
        this.sin[pos * half + i] = Math.sin(a);
      }
    this.ws = null;
  }

  init(seed) {
    const rng = makeRng(seed);
    const std = 0.02;
    const resid = std / Math.sqrt(2 * this.cfg.layers);
    for (const e of this.spec) {
      const a = this.p[e.name];
      if (e.shape.length === 1) a.fill(1);
      else {
        const s = /o_proj|down_proj/.test(e.name) ? resid : std;
        for (let i = 0; i < a.length; i++) a[i] = rng.normal() * s;
      }
    }
  }

  isMatrix(name) {
    return !name.endsWith('norm.weight');
  }

  _workspace(B, T) {
    if (this.ws && this.ws.B === B && this.ws.T === T) return this.ws;
    const F = this.F;
    const { dim, layers, heads, kvHeads, hidden, vocab } = this.cfg;
    const hd = this.hd;
    const N = B * T;
    const qd = heads * hd, kd = kvHeads * hd;
    const L = [];
    for (let l = 0; l < layers; l++)
      L.push({
        x: new F(N * dim), r1: new F(N), h1: new F(N * dim),
        q: new F(N * qd), k: new F(N * kd), v: new F(N * kd), P: new F(B * heads * T * T), att: new F(N * qd),
        xm: new F(N * dim), r2: new F(N), h2: new F(N * dim),
        a: new F(N * hidden), u: new F(N * hidden), m: new F(N * hidden),
      });
    const big = Math.max(dim, hidden, qd, vocab);
    this.ws = {
      B, T, N, L,
      xf: new F(N * dim), rf: new F(N), hf: new F(N * dim), logits: new F(N * vocab),
      // scratch
      t1: new F(N * big), t2: new F(N * big), t3: new F(N * big), t4: new F(N * big),
      wT: new F(big * big),
      dx: new F(N * dim), dxm: new F(N * dim), dh: new F(N * dim),
      dq: new F(N * qd), dk: new F(N * kd), dv: new F(N * kd), datt: new F(N * qd),
      da: new F(N * hidden), du: new F(N * hidden), dm: new F(N * hidden),
      dlogits: new F(N * vocab),
    };
    return this.ws;
  }

  _rmsnorm(out, r, x, g, N) {
    const d = this.cfg.dim, eps = this.cfg.eps;
    for (let n = 0; n < N; n++) {
      const o = n * d;
      let ss = 0;
      for (let i = 0; i < d; i++) ss += x[o + i] * x[o + i];
      const rr = 1 / Math.sqrt(ss / d + eps);
      r[n] = rr;
      for (let i = 0; i < d; i++) out[o + i] = x[o + i] * rr * g[i];
    }
  }

  /** dx += d(rmsnorm)/dx given dy; dg += ... */
  _rmsnormBack(dx, dg, dy, x, r, g, N) {
    const d = this.cfg.dim;
    for (let n = 0; n < N; n++) {
      const o = n * d;
      const rr = r[n];
      let dot = 0;
      for (let i = 0; i < d; i++) {
        const dyi = dy[o + i];
        dg[i] += dyi * x[o + i] * rr;
        dot += dyi * g[i] * x[o + i];
      }
      const c = (rr * rr * rr * dot) / d;
      for (let i = 0; i < d; i++) dx[o + i] += rr * dy[o + i] * g[i] - c * x[o + i];
    }
  }

  /** in-place rotary embedding on rows of width nh*hd; inverse=true applies the transpose. */
  _rope(buf, B, T, nh, inverse) {
    const hd = this.hd, half = hd / 2;
    const cs = this.cos, sn = this.sin;
    const w = nh * hd;
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) {
        const row = (b * T + t) * w;
        const tb = t * half;
        for (let h = 0; h < nh; h++) {
          const o = row + h * hd;
          for (let i = 0; i < half; i++) {
            const c = cs[tb + i], s = inverse ? -sn[tb + i] : sn[tb + i];
            const x1 = buf[o + i], x2 = buf[o + i + half];
            buf[o + i] = x1 * c - x2 * s;
            buf[o + i + half] = x2 * c + x1 * s;
          }
        }
      }
  }

  /**
   * Forward pass on tokens (Int32Array/array of B*T ids). If targets given, returns the mean
   * cross-entropy loss and leaves softmax probabilities in ws.logits (for backward).
   */
  forward(tokens, B, T, targets = null) {
    const ws = this._workspace(B, T);
    const { dim, layers, heads, kvHeads, hidden, vocab } = this.cfg;
    const hd = this.hd, N = B * T, qd = heads * hd, kd = kvHeads * hd;
    const grp = heads / kvHeads;
    const scale = 1 / Math.sqrt(hd);
    const emb = this.p['model.embed_tokens.weight'];
    let x = ws.L.length ? ws.L[0].x : ws.xf;
    for (let n = 0; n < N; n++) x.set(emb.subarray(tokens[n] * dim, tokens[n] * dim + dim), n * dim);
    for (let l = 0; l < layers; l++) {
      const c = ws.L[l];
      const pre = `model.layers.${l}.`;
      this._rmsnorm(c.h1, c.r1, c.x, this.p[pre + 'input_layernorm.weight'], N);
      gemmNT(c.q, c.h1, this.p[pre + 'self_attn.q_proj.weight'], N, qd, dim);
      gemmNT(c.k, c.h1, this.p[pre + 'self_attn.k_proj.weight'], N, kd, dim);
      gemmNT(c.v, c.h1, this.p[pre + 'self_attn.v_proj.weight'], N, kd, dim);
      this._rope(c.q, B, T, heads, false);
      this._rope(c.k, B, T, kvHeads, false);
      const { q, k, v, P, att } = c;
      att.fill(0);
      for (let b = 0; b < B; b++)
        for (let h = 0; h < heads; h++) {
          const kh = (h / grp) | 0;
          const pb = (b * heads + h) * T * T;
          for (let t = 0; t < T; t++) {
            const qo = (b * T + t) * qd + h * hd;
            const prow = pb + t * T;
            let mx = -Infinity;
            for (let s = 0; s <= t; s++) {
              const ko = (b * T + s) * kd + kh * hd;
              let dot = 0;
              for (let i = 0; i < hd; i++) dot += q[qo + i] * k[ko + i];
              dot *= scale;
              P[prow + s] = dot;
              if (dot > mx) mx = dot;
            }
            let sum = 0;
            for (let s = 0; s <= t; s++) {
              const e = Math.exp(P[prow + s] - mx);
              P[prow + s] = e;
              sum += e;
            }
            const inv = 1 / sum;
            for (let s = 0; s <= t; s++) {
              const pv = P[prow + s] * inv;
              P[prow + s] = pv;
              const vo = (b * T + s) * kd + kh * hd;
              for (let i = 0; i < hd; i++) att[qo + i] += pv * v[vo + i];
            }
          }
        }
      // xm = x + att Wo^T
      gemmNT(c.xm, att, this.p[pre + 'self_attn.o_proj.weight'], N, dim, qd);
      for (let i = 0; i < N * dim; i++) c.xm[i] += c.x[i];
      this._rmsnorm(c.h2, c.r2, c.xm, this.p[pre + 'post_attention_layernorm.weight'], N);
      gemmNT(c.a, c.h2, this.p[pre + 'mlp.gate_proj.weight'], N, hidden, dim);
      gemmNT(c.u, c.h2, this.p[pre + 'mlp.up_proj.weight'], N, hidden, dim);
      const { a, u, m } = c;
      for (let i = 0; i < N * hidden; i++) {
        const av = a[i];
        m[i] = (av / (1 + Math.exp(-av))) * u[i];
      }
      const xn = l + 1 < layers ? ws.L[l + 1].x : ws.xf;
      gemmNT(xn, m, this.p[pre + 'mlp.down_proj.weight'], N, dim, hidden);
      for (let i = 0; i < N * dim; i++) xn[i] += c.xm[i];
    }
    this._rmsnorm(ws.hf, ws.rf, ws.xf, this.p['model.norm.weight'], N);
    gemmNT(ws.logits, ws.hf, emb, N, vocab, dim);
    if (!targets) return ws.logits;
    // softmax + CE (probabilities overwrite logits)
    let loss = 0;
    const lg = ws.logits;
    for (let n = 0; n < N; n++) {
      const o = n * vocab;
      let mx = -Infinity;
      for (let j = 0; j < vocab; j++) if (lg[o + j] > mx) mx = lg[o + j];
      let sum = 0;
      for (let j = 0; j < vocab; j++) {
        const e = Math.exp(lg[o + j] - mx);
        lg[o + j] = e;
        sum += e;
      }
      const inv = 1 / sum;
      for (let j = 0; j < vocab; j++) lg[o + j] *= inv;
      loss -= Math.log(Math.max(lg[o + targets[n]], 1e-30));
    }
    return loss / N;
  }

  /** Backward of the mean CE loss; accumulates into this.grads. Call after forward(.., targets). */
  backward(tokens, targets) {
    const ws = this.ws;
    const { B, T, N } = ws;
    const { dim, layers, heads, kvHeads, hidden, vocab } = this.cfg;
    const hd = this.hd, qd = heads * hd, kd = kvHeads * hd;
    const grp = heads / kvHeads;
    const scale = 1 / Math.sqrt(hd);
    const emb = this.p['model.embed_tokens.weight'];
    const gEmb = this.g['model.embed_tokens.weight'];
    const { t1, t2, wT } = ws;

    // dlogits = (p - onehot) / N
    const dl = ws.dlogits;
    const invN = 1 / N;
    for (let i = 0; i < N * vocab; i++) dl[i] = ws.logits[i] * invN;
    for (let n = 0; n < N; n++) dl[n * vocab + targets[n]] -= invN;
    // dE += dl^T hf ; dhf = dl E
    transpose(t1, dl, N, vocab); // vocab x N
    transpose(t2, ws.hf, N, dim); // dim x N
    gemmNT(gEmb, t1, t2, vocab, dim, N, true);
    transpose(wT, emb, vocab, dim); // dim x vocab
    const dh = ws.dh;
    gemmNT(dh, dl, wT, N, dim, vocab);
    const dx = ws.dx;
    dx.fill(0);
    this._rmsnormBack(dx, this.g['model.norm.weight'], dh, ws.xf, ws.rf, this.p['model.norm.weight'], N);

    // helper: for Y = X W^T (X: N x In, W: Out x In): dW += dY^T X ; dX (=|+=) dY W
    const linBack = (dY, X, W, dW, dX, In, Out, accX) => {
      transpose(t1, dY, N, Out);
      transpose(t2, X, N, In);
      gemmNT(dW, t1, t2, Out, In, N, true);
      if (dX) {
        transpose(wT, W, Out, In); // In x Out
        gemmNT(dX, dY, wT, N, In, Out, accX);
      }
    };

    for (let l = layers - 1; l >= 0; l--) {
      const c = ws.L[l];
      const pre = `model.layers.${l}.`;
      const P_ = (n) => this.p[pre + n];
      const G_ = (n) => this.g[pre + n];
      // ---- MLP ----
      // x_out = xm + m Wd^T
      linBack(dx, c.m, P_('mlp.down_proj.weight'), G_('mlp.down_proj.weight'), ws.dm, hidden, dim, false);
      const { a, u, dm, da, du } = { a: c.a, u: c.u, dm: ws.dm, da: ws.da, du: ws.du };
      for (let i = 0; i < N * hidden; i++) {
        const av = a[i];
        const sg = 1 / (1 + Math.exp(-av));
        const silu = av * sg;
        du[i] = dm[i] * silu;
        da[i] = dm[i] * u[i] * sg * (1 + av * (1 - sg));
      }
      linBack(da, c.h2, P_('mlp.gate_proj.weight'), G_('mlp.gate_proj.weight'), dh, dim, hidden, false);
      linBack(du, c.h2, P_('mlp.up_proj.weight'), G_('mlp.up_proj.weight'), dh, dim, hidden, true);
      const dxm = ws.dxm;
      dxm.set(dx);
      this._rmsnormBack(dxm, G_('post_attention_layernorm.weight'), dh, c.xm, c.r2, P_('post_attention_layernorm.weight'), N);
      // ---- attention ----
      // xm = x + att Wo^T
      const datt = ws.datt;
      linBack(dxm, c.att, P_('self_attn.o_proj.weight'), G_('self_attn.o_proj.weight'), datt, qd, dim, false);
      const { q, k, v, P } = c;
      const { dq, dk, dv } = ws;
      dq.fill(0);
      dk.fill(0);
      dv.fill(0);
      const dP = t1; // length T scratch
      for (let b = 0; b < B; b++)
        for (let h = 0; h < heads; h++) {
          const kh = (h / grp) | 0;
          const pb = (b * heads + h) * T * T;
          for (let t = 0; t < T; t++) {
            const qo = (b * T + t) * qd + h * hd;
            const prow = pb + t * T;
            let sumPdP = 0;
            for (let s = 0; s <= t; s++) {
              const vo = (b * T + s) * kd + kh * hd;
              const pv = P[prow + s];
              let dot = 0;
              for (let i = 0; i < hd; i++) {
                dot += datt[qo + i] * v[vo + i];
                dv[vo + i] += pv * datt[qo + i];
              }
              dP[s] = dot;
              sumPdP += pv * dot;
            }
            for (let s = 0; s <= t; s++) {
              const ds = P[prow + s] * (dP[s] - sumPdP) * scale;
              const ko = (b * T + s) * kd + kh * hd;
              for (let i = 0; i < hd; i++) {
                dq[qo + i] += ds * k[ko + i];
                dk[ko + i] += ds * q[qo + i];
              }
            }
          }
        }
      this._rope(dq, B, T, heads, true);
      this._rope(dk, B, T, kvHeads, true);
      linBack(dq, c.h1, P_('self_attn.q_proj.weight'), G_('self_attn.q_proj.weight'), dh, dim, qd, false);
      linBack(dk, c.h1, P_('self_attn.k_proj.weight'), G_('self_attn.k_proj.weight'), dh, dim, kd, true);
      linBack(dv, c.h1, P_('self_attn.v_proj.weight'), G_('self_attn.v_proj.weight'), dh, dim, kd, true);
      dx.set(dxm);
      this._rmsnormBack(dx, G_('input_layernorm.weight'), dh, c.x, c.r1, P_('input_layernorm.weight'), N);
    }
    // embedding gather
    for (let n = 0; n < N; n++) {
      const o = tokens[n] * dim;
      for (let i = 0; i < dim; i++) gEmb[o + i] += dx[n * dim + i];
    }
  }
}

export class AdamW {
  constructor(model, { beta1 = 0.9, beta2 = 0.95, eps = 1e-8, weightDecay = 0.1 } = {}) {
    this.model = model;
    this.m = new Float32Array(model.nParams);
    this.v = new Float32Array(model.nParams);
    this.t = 0;
    Object.assign(this, { beta1, beta2, eps, weightDecay });
    this.decay = new Uint8Array(model.nParams);
    for (const e of model.spec) if (model.isMatrix(e.name)) this.decay.fill(1, e.offset, e.offset + e.size);
  }

  /** clips the global gradient norm to clip, applies one step, returns the pre-clip norm */
  step(lr, clip = 1.0) {
    const { params: p, grads: g } = this.model;
    let ss = 0;
    for (let i = 0; i < g.length; i++) ss += g[i] * g[i];
    const norm = Math.sqrt(ss);
    const gs = norm > clip ? clip / norm : 1;
    this.t++;
    const { beta1: b1, beta2: b2, eps, m, v, decay } = this;
    const bc1 = 1 - Math.pow(b1, this.t), bc2 = 1 - Math.pow(b2, this.t);
    const wd = lr * this.weightDecay;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] * gs;
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      if (decay[i]) p[i] -= wd * p[i];
      p[i] -= (lr * (m[i] / bc1)) / (Math.sqrt(v[i] / bc2) + eps);
    }
    return norm;
  }
}
