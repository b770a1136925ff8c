/**
 * Smoke test of the LangChain chain example: the streamed answer of the
 * prompt -> ZkChatModel -> StringOutputParser chain comes with a verified proof.
 */
import { expect, it } from 'vitest';
// @ts-expect-error: plain ESM example without type declarations
import { runChain } from './main.mjs';

it('prints a verified answer', async () => {
  const pieces: string[] = [];
  const r = await runChain({ maxTokens: 2, stream: true, onText: (t: string) => pieces.push(t) });
  expect(r.verification).toMatchObject({ valid: true, textChecked: true });
  expect(r.answer).toBe(pieces.join(''));
  expect(r.answer).toBe(r.verification.text);
  expect(r.answer).not.toBe('');
  expect(r.digest).toMatch(/^[0-9a-f]{64}$/);
});
