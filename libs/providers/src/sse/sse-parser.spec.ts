import { SseParser, type SseEvent } from './sse-parser';

const enc = new TextEncoder();

function parseAll(pieces: (string | Uint8Array)[]): SseEvent[] {
  const p = new SseParser();
  const out: SseEvent[] = [];
  for (const piece of pieces) out.push(...p.push(typeof piece === 'string' ? enc.encode(piece) : piece));
  out.push(...p.end());
  return out;
}

describe('SseParser', () => {
  it('parses data events and ignores comments', () => {
    const events = parseAll([': OPENROUTER PROCESSING\n\ndata: {"a":1}\n\ndata: [DONE]\n\n']);
    expect(events.map((e) => e.data)).toEqual(['{"a":1}', '[DONE]']);
  });

  it('keeps event names and joins multi-line data', () => {
    const events = parseAll(['event: message_start\ndata: {"x":\ndata: 1}\n\n']);
    expect(events).toEqual([{ event: 'message_start', data: '{"x":\n1}', id: undefined }]);
  });

  it('handles CRLF, CR, and line ends split across chunks', () => {
    const events = parseAll(['data: one\r', '\n\r\ndata: two\r\r', 'data: three\n', '\n']);
    expect(events.map((e) => e.data)).toEqual(['one', 'two', 'three']);
  });

  it('reassembles a UTF-8 character split across network chunks', () => {
    const bytes = enc.encode('data: héllo 🌍\n\n');
    const events = parseAll([bytes.slice(0, 8), bytes.slice(8, 15), bytes.slice(15)]);
    expect(events[0]?.data).toBe('héllo 🌍');
  });

  it('emits a final event that lacks its blank line', () => {
    expect(parseAll(['data: tail']).map((e) => e.data)).toEqual(['tail']);
  });

  it('handles a field with no colon and no leading space', () => {
    expect(parseAll(['data:x\ndata\n\n']).map((e) => e.data)).toEqual(['x\n']);
  });
});
