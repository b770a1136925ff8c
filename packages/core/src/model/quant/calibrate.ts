/**
 * Activation statistics from the float pass on a small, deterministic calibration set.
 * Scales chosen from these are part of the committed quantization parameters.
 */
import { FloatSession, type FloatModel, type ObservePoint } from '../float.js';

export interface CalibrationStats {
  /** max |x| per observation point and layer (`point@layer`). */
  readonly maxAbs: ReadonlyMap<string, number>;
  /** [min, max] of the per-vector mean square (centred for LayerNorm) entering each norm (`attn@l`, `ffn@l`, `final`). */
  readonly normMs: ReadonlyMap<string, [number, number]>;
  readonly tokens: number;
}

export function statKey(point: ObservePoint, layer: number): string {
  return `${point}@${layer}`;
}

export function calibrate(model: FloatModel, sequences: readonly (readonly number[])[]): CalibrationStats {
  const c = model.config;
  const maxAbs = new Map<string, number>();
  const normMs = new Map<string, [number, number]>();
  const centred = c.family === 'gpt2';
  const noteMs = (key: string, x: Float32Array): void => {
    let mean = 0;
    if (centred) {
      for (let i = 0; i < x.length; i++) mean += x[i]!;
      mean /= x.length;
    }
    let ss = 0;
    for (let i = 0; i < x.length; i++) ss += (x[i]! - mean) ** 2;
    const ms = ss / x.length;
    const cur = normMs.get(key);
    if (!cur) normMs.set(key, [ms, ms]);
    else {
      if (ms < cur[0]) cur[0] = ms;
      if (ms > cur[1]) cur[1] = ms;
    }
  };
  let tokens = 0;
  for (const seq of sequences) {
    const s = new FloatSession(model, {
      maxSeq: seq.length,
      observer: (point, layer, data) => {
        const key = statKey(point, layer);
        let m = maxAbs.get(key) ?? 0;
        for (let i = 0; i < data.length; i++) {
          const a = Math.abs(data[i]!);
          if (a > m) m = a;
        }
        maxAbs.set(key, m);
        if (point === 'embed') noteMs('attn@0', data);
        else if (point === 'resid.attn') noteMs(`ffn@${layer}`, data);
        else if (point === 'resid.ffn') noteMs(layer + 1 < c.numLayers ? `attn@${layer + 1}` : 'final', data);
      },
    });
    for (const t of seq) s.step(t);
    tokens += seq.length;
  }
  return { maxAbs, normMs, tokens };
}

/**
 * Built-in calibration text (distinct from any eval text) for models without their own
 * `calibration.txt`. Several paragraphs on purpose: newlines, headings, dialogue,
 * punctuation and digits drive activations that plain prose does not reach.
 */
export const DEFAULT_CALIBRATION_TEXT = [
  'CHAPTER 1. The Harbour.',
  'The little dog ran to the park. He saw a red ball under a tree and wanted to play. ' +
    'A girl named Lily said, "Can I play with you?" The dog wagged his tail, and they played all day.',
  'When it was time to go home, Lily was happy; she told her mother about the dog, the ball, ' +
    'and the old man who sat by the water—he had counted 12 ships, 3 boats and 1 whale since morning.',
  'II. THE STORM.',
  '"Look out!" cried the captain. The wind rose, the rain fell in sheets, and the sailors ran to the ropes. ' +
    'Nobody spoke again until the sky was clear: then they laughed, and sang, and slept.',
].join('\n\n');
