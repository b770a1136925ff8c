/**
 * Smoke test of the private-FHE example as shipped: the bundled model behind a real
 * loopback FHE server, a patient record through FHE split inference (2 tokens and one
 * proof at the end, to keep it short), and a server log without the record's words.
 */
import { expect, it } from 'vitest';
import { generateQuant, ZkModel } from '@zkllm/core';
// @ts-expect-error: plain ESM example without type declarations
import { PATIENT_RECORD, runPrivateFhe } from './main.mjs';

it('answers a private record over FHE; the server log shows only ids, layers and sizes', async () => {
  const lines: string[] = [];
  const r = (await runPrivateFhe({ maxTokens: 2, print: (l: string) => lines.push(l) })) as {
    answer: string;
    tokens: number[];
    proofsVerified: number;
    serverLog: string[];
    leaked: string[];
  };
  const model = ZkModel.load();
  expect(r.tokens).toEqual(generateQuant(model.quantized, model.promptTokens(PATIENT_RECORD), { maxTokens: 2 }));
  expect(r.answer).toBe(model.decode(r.tokens));
  expect(r.proofsVerified).toBe(1);
  expect(r.leaked).toEqual([]);
  expect(r.serverLog.some((l) => l.startsWith('evaluate'))).toBe(true);
  expect(r.serverLog.some((l) => l.startsWith('proof'))).toBe(true);
  expect(lines.some((l) => l.startsWith('check: no word of the record'))).toBe(true);
});
