#!/usr/bin/env node
// A LangChain chain over a provable model: prompt template -> ZkChatModel ->
// StringOutputParser. The parser keeps only the text, so the proof is checked on the
// way by a ZkVerifyCallbackHandler attached to the run; the answer is printed only if
// its proof verifies against the model commitment.
//
//   npm run build && node examples/langchain-chain/main.mjs ["Call me Ishmael."] [--max-tokens N] [--stream] [--json]
//
// Proving takes tens of seconds on a laptop (it grows with --max-tokens).
import { pathToFileURL } from 'node:url';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { StringOutputParser } from '@langchain/core/output_parsers';

const { ZkChatModel, ZkVerifyCallbackHandler } = await import('@zkllm/langchain').catch((e) => {
  // From a checkout the package resolves to dist/, which `npm run build` creates.
  if (e?.code === 'ERR_MODULE_NOT_FOUND') throw new Error(`@zkllm/langchain is not built (${e.message}); run \`npm run build\` first`);
  throw e;
});

const prompt = ChatPromptTemplate.fromMessages([
  ['system', 'Answer in the voice of {source}.'],
  ['human', '{question}'],
]);

/**
 * Runs the chain once. `model` is a ZkModel or model directory (default: the bundled
 * model). Resolves to { answer, verification, digest }; rejects with a
 * ZkVerificationError if the proof does not verify.
 */
export async function runChain({ question = 'Call me Ishmael.', source = 'the book', maxTokens = 6, stream = false, model, onText } = {}) {
  const llm = new ZkChatModel({ ...(model !== undefined ? { model } : {}), maxTokens });
  // The handler pins the published commitment and, given the model's tokenizer, checks
  // that the proof covers exactly this run's prompt and the answer's text.
  const verifier = new ZkVerifyCallbackHandler({ commitment: llm.commitment(), tokenizer: llm.zkModel });
  const chain = prompt.pipe(llm).pipe(new StringOutputParser());
  let answer = '';
  if (stream) {
    for await (const piece of await chain.stream({ question, source }, { callbacks: [verifier] })) {
      answer += piece;
      onText?.(piece);
    }
  } else {
    answer = await chain.invoke({ question, source }, { callbacks: [verifier] });
  }
  return { answer, verification: verifier.results[0], digest: llm.commitment().digest };
}

function parseArgs(argv) {
  const opts = { stream: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--stream') opts.stream = true;
    else if (a === '--json') opts.json = true;
    else if (a === '--max-tokens') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error('--max-tokens needs a positive integer');
      opts.maxTokens = n;
    } else if (a.startsWith('--')) throw new Error(`unknown flag ${a}`);
    else opts.question = a;
  }
  return opts;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  try {
    if (!opts.json) console.error('generating and proving (this takes a while)...');
    const onText = opts.stream && !opts.json ? (t) => process.stdout.write(t) : undefined;
    const { answer, verification, digest } = await runChain({ ...opts, onText });
    if (opts.json) {
      console.log(JSON.stringify({ answer, valid: verification.valid, digest, proofDigest: verification.proofDigest, outputTokens: verification.statement?.outputTokens }));
    } else {
      if (!opts.stream) process.stdout.write(answer);
      console.log(`\n\nproof verified against model ${digest.slice(0, 16)}... (proof sha-256 ${verification.proofDigest.slice(0, 16)}...)`);
    }
  } catch (e) {
    console.error(e.name === 'ZkVerificationError' ? `REJECTED: ${e.message}` : `error: ${e.message}`);
    process.exit(1);
  }
}
