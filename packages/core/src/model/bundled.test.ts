import { describe, it, expect } from 'vitest';
import { bundledModelDir } from './bundled.js';
import { loadModel } from './load.js';
import { defaultEvalText, evaluateAccuracy } from './eval.js';

const dir = bundledModelDir();

describe.skipIf(dir === undefined)('bundled model', () => {
  it('quantized pass agrees with the float pass on ≥ 95% of held-out next tokens', () => {
    const m = loadModel(dir!);
    expect(m.config.architecture).toBe('LlamaForCausalLM');
    const text = defaultEvalText(m);
    expect(text).toBeDefined();
    const r = evaluateAccuracy(m, text!);
    expect(r.agreement).toBeGreaterThanOrEqual(0.95);
    expect(Math.abs(Math.log(r.perplexityQuantized / r.perplexityFloat))).toBeLessThan(0.05);
  });
});
