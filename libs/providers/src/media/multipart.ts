import { randomBytes } from 'node:crypto';

/** One part of a multipart/form-data body: a field, or a file. */
export type FormPart = { name: string; value: string } | { name: string; filename: string; contentType: string; data: Uint8Array };

function quoted(text: string): string {
  return text.replace(/["\r\n\\]/g, (c) => (c === '"' ? '%22' : c === '\\' ? '\\\\' : ' '));
}

/** A multipart/form-data body (RFC 7578) and its content type, for uploads to upstreams. */
export function multipartBody(parts: FormPart[]): { body: Buffer; contentType: string } {
  const boundary = `----gatewayz${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(part.name)}"`;
    if ('data' in part) head += `; filename="${quoted(part.filename)}"\r\nContent-Type: ${part.contentType}`;
    chunks.push(Buffer.from(`${head}\r\n\r\n`, 'utf8'));
    chunks.push('data' in part ? Buffer.from(part.data.buffer, part.data.byteOffset, part.data.byteLength) : Buffer.from(part.value, 'utf8'));
    chunks.push(Buffer.from('\r\n', 'utf8'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
