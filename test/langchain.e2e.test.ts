/**
 * LangChain chains over the local provable model, through the public packages: a prompt
 * template piped into ZkChatModel, invoked and streamed. Each answer carries a proof that
 * @zkllm/verifier accepts from the commitment JSON alone, and a ZkVerifyCallbackHandler
 * attached to the whole chain checks it against the run's own prompt.
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import type { AIMessageChunk } from '@langchain/core/messages';
import { ZkModel } from '@zkllm/core';
import { decodeTokens, verifyProof, type ModelCommitmentFile } from '@zkllm/verifier';
import { proofBytes, readZkllmMetadata, ZkChatModel, ZkVerifyCallbackHandler } from '@zkllm/langchain';

const prompt = ChatPromptTemplate.fromMessages([
  ['system', 'Answer in the voice of {source}.'],
  ['human', '{opening}'],
]);
// A prompt the bundled model continues with words (many end at once with EOS).
const input = { source: 'the book', opening: 'Call me Ishmael.' };

let model: ZkChatModel;
let commitment: ModelCommitmentFile;

beforeAll(() => {
  model = new ZkChatModel({ model: ZkModel.load(), maxTokens: 2 });
  // What a verifier receives: the published commitment file, nothing else.
  commitment = JSON.parse(JSON.stringify(model.commitment())) as ModelCommitmentFile;
});

function checkAgainstCommitment(meta: ReturnType<typeof readZkllmMetadata>, text: string): void {
  expect(meta).toMatchObject({ verified: true, valid: true, modelDigest: commitment.digest });
  const r = verifyProof(proofBytes(meta!)!, commitment, { expectedDigest: commitment.digest });
  expect(r.valid).toBe(true);
  const out = r.statement!.stop === 'eos' ? r.statement!.outputTokens.slice(0, -1) : r.statement!.outputTokens;
  expect(decodeTokens(commitment, out)).toBe(text);
  const provenPrompt = decodeTokens(commitment, r.statement!.promptTokens);
  expect(provenPrompt).toContain('Answer in the voice of the book.');
  expect(provenPrompt).toContain('Call me Ishmael.');
}

describe('prompt | ZkChatModel', () => {
  test('invoke: the answer carries a valid proof of exactly its text and prompt', async () => {
    const handler = new ZkVerifyCallbackHandler({ commitment, tokenizer: model.zkModel });
    const msg = await prompt.pipe(model).invoke(input, { callbacks: [handler] });
    expect(msg.text).not.toBe('');
    checkAgainstCommitment(readZkllmMetadata(msg.response_metadata), msg.text);
    expect(handler.results).toHaveLength(1);
    expect(handler.results[0]).toMatchObject({ valid: true, text: msg.text, textChecked: true });
  });

  test('stream: tokens arrive as chunks and the merged message carries a valid proof', async () => {
    const handler = new ZkVerifyCallbackHandler({ commitment });
    const chunks: AIMessageChunk[] = [];
    for await (const c of await prompt.pipe(model).stream(input, { callbacks: [handler] })) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.slice(0, -1).every((c) => c.response_metadata.zkllm === undefined)).toBe(true);
    const merged = chunks.reduce((a, b) => a.concat(b));
    checkAgainstCommitment(readZkllmMetadata(merged.response_metadata), merged.text);
    expect(handler.allValid).toBe(true);
  });
});
