import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

const ANSWERS: Record<string, { status: number; code: string; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, code: 'headers_too_large', message: 'The request headers are larger than the limit (MAX_HEADER_BYTES).' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, code: 'request_timeout', message: 'The request was not received in time.' },
};

/**
 * Requests Node refuses before express sees them (headers too large, too slow, malformed) are
 * answered in the API's error shape too, instead of a bare status line.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const a = ANSWERS[err.code ?? ''] ?? { status: 400, code: 'bad_request', message: 'The request could not be parsed as HTTP.' };
    const body = JSON.stringify({ error: { message: a.message, type: a.status === 408 ? 'timeout_error' : 'invalid_request_error', param: null, code: a.code } });
    socket.end(
      `HTTP/1.1 ${a.status} ${STATUS_CODES[a.status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}
