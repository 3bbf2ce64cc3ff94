import http from 'node:http';

/**
 * The benchmark's upstream: an OpenAI-compatible server with a fixed latency, lean on CPU so
 * it measures the gateway, not itself. Non-streaming: one JSON body after LATENCY_MS.
 * Streaming: the first chunk after LATENCY_MS, then CHUNKS chunks CHUNK_GAP_MS apart.
 */
const LATENCY_MS = Number(process.env.BENCH_UPSTREAM_LATENCY_MS ?? 10);
const CHUNKS = Number(process.env.BENCH_UPSTREAM_CHUNKS ?? 20);
const CHUNK_GAP_MS = Number(process.env.BENCH_UPSTREAM_CHUNK_GAP_MS ?? 1);

const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-4o-mini',
  system_fingerprint: 'fp_bench',
  choices: [{ index: 0, message: { role: 'assistant', content: 'The quick brown fox jumps over the lazy dog.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 24, completion_tokens: 10, total_tokens: 34, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } },
});

const base = { id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini', system_fingerprint: 'fp_bench' };
const chunk = (delta: object, finish: string | null) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
const first = chunk({ role: 'assistant', content: '' }, null);
const word = chunk({ content: 'word ' }, null);
const tail =
  chunk({}, 'stop') +
  `data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 24, completion_tokens: CHUNKS, total_tokens: 24 + CHUNKS } })}\n\n` +
  'data: [DONE]\n\n';

const server = http.createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => {
    const stream = Buffer.concat(parts).includes('"stream":true');
    setTimeout(() => {
      if (!stream) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(completion) });
        res.end(completion);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(first);
      let sent = 0;
      const next = () => {
        if (res.destroyed) return;
        if (sent++ < CHUNKS) {
          res.write(word);
          setTimeout(next, CHUNK_GAP_MS);
        } else res.end(tail);
      };
      setTimeout(next, CHUNK_GAP_MS);
    }, LATENCY_MS);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
