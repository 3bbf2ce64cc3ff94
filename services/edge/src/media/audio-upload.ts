import busboy from 'busboy';
import type { Request } from 'express';
import { GatewayError, errors } from '@gatewayz/errors';
import { AUDIO_FORMATS, type AudioFormat } from '@gatewayz/wire';

/** What a transcription upload carried: the file and the other form fields. */
export interface AudioUpload {
  fields: Record<string, string | string[]>;
  audio: Buffer;
  filename: string;
  format: AudioFormat;
}

const FORMAT_OF_MIME: Record<string, AudioFormat> = {
  'audio/flac': 'flac',
  'audio/x-flac': 'flac',
  'audio/m4a': 'm4a',
  'audio/x-m4a': 'm4a',
  'audio/mp4': 'm4a',
  'video/mp4': 'mp4',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/ogg': 'ogg',
  'audio/wav': 'wav',
  'audio/wave': 'wav',
  'audio/x-wav': 'wav',
  'audio/webm': 'webm',
  'video/webm': 'webm',
};

export function unsupportedFormat(what: string): GatewayError {
  return new GatewayError({
    code: 'unsupported_audio_format',
    status: 400,
    param: 'file',
    message: `Unsupported audio format ${what}. Supported formats: ${AUDIO_FORMATS.join(', ')}.`,
  });
}

function isAudioFormat(text: string): text is AudioFormat {
  return (AUDIO_FORMATS as readonly string[]).includes(text);
}

/**
 * The format of an audio file: a declared one, else the file name's extension, else its media
 * type (a file that names none is judged by its type). Anything outside AUDIO_FORMATS is a 400
 * naming the supported ones.
 */
export function audioFormatOf(a: { declared?: string; filename?: string; mimeType?: string }): AudioFormat {
  if (a.declared !== undefined) {
    const f = a.declared.trim().toLowerCase().replace(/^\./, '');
    if (isAudioFormat(f)) return f;
    throw unsupportedFormat(`'${f.slice(0, 32)}'`);
  }
  const ext = /\.([A-Za-z0-9]{1,8})$/.exec(a.filename ?? '')?.[1]?.toLowerCase();
  if (ext !== undefined) {
    if (isAudioFormat(ext)) return ext;
    throw unsupportedFormat(`'.${ext}'`);
  }
  const mime = (a.mimeType ?? '').split(';')[0]!.trim().toLowerCase();
  const byMime = FORMAT_OF_MIME[mime];
  if (byMime) return byMime;
  throw unsupportedFormat(mime && mime !== 'application/octet-stream' ? `'${mime.slice(0, 64)}'` : '(the file has no extension or audio media type)');
}

/**
 * Reads a multipart/form-data transcription upload with busboy: one `file` part of at most
 * `maxFileBytes` (413 beyond), form fields (`name[]` fields collect into arrays). Nothing is
 * written to disk.
 */
export function readAudioUpload(req: Request, limits: { maxFileBytes: number }): Promise<AudioUpload> {
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(type)) {
    return Promise.reject(errors.unsupportedMediaType('Content-Type must be multipart/form-data with a `file` part (or send JSON with base64 audio to /v1/audio/transcriptions/base64).'));
  }
  return new Promise<AudioUpload>((resolve, reject) => {
    let failed = false;
    const fail = (err: GatewayError) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume();
      reject(err);
    };
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: limits.maxFileBytes, files: 1, fields: 32, fieldSize: 64 * 1024, parts: 40 } });
    } catch {
      reject(errors.invalidRequest('The multipart body has no boundary.'));
      return;
    }
    const fields: Record<string, string | string[]> = {};
    let file: { parts: Buffer[]; filename: string; mimeType: string } | undefined;
    parser.on('field', (name, value) => {
      if (name.endsWith('[]')) {
        const key = name.slice(0, -2);
        const list = fields[key];
        fields[key] = Array.isArray(list) ? [...list, value] : [value];
      } else fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file') {
        stream.resume();
        fail(errors.invalidRequest(`Unexpected file field '${name.slice(0, 64)}'; the audio goes in 'file'.`, name.slice(0, 64)));
        return;
      }
      const parts: Buffer[] = [];
      file = { parts, filename: info.filename ?? '', mimeType: info.mimeType };
      stream.on('data', (d: Buffer) => parts.push(d));
      stream.on('limit', () => fail(new GatewayError({ code: 'file_too_large', status: 413, param: 'file', message: `The audio file is larger than the limit of ${limits.maxFileBytes} bytes.` })));
    });
    parser.on('filesLimit', () => fail(errors.invalidRequest('Send exactly one file, in the `file` field.', 'file')));
    parser.on('fieldsLimit', () => fail(errors.invalidRequest('Too many form fields.')));
    parser.on('error', () => fail(errors.invalidRequest('The multipart body is malformed.')));
    parser.on('close', () => {
      if (failed) return;
      if (!file) return fail(errors.invalidRequest("Invalid 'file': is required (a multipart file part named 'file').", 'file'));
      const audio = Buffer.concat(file.parts);
      if (audio.length === 0) return fail(errors.invalidRequest("Invalid 'file': the file is empty.", 'file'));
      let format: AudioFormat;
      try {
        format = audioFormatOf({ filename: file.filename, mimeType: file.mimeType });
      } catch (err) {
        return fail(err as GatewayError);
      }
      resolve({ fields, audio, filename: file.filename || `audio.${format}`, format });
    });
    req.on('error', () => fail(errors.invalidRequest('The request body could not be read.')));
    req.pipe(parser);
  });
}

/** A base64 (or data: URL) audio payload → bytes, and the media type a data: URL declares. */
export function decodeBase64Audio(text: string, maxBytes: number): { audio: Buffer; mimeType: string | undefined } {
  const m = /^data:([^;,]+)(?:;[^,]*)?,(.*)$/s.exec(text);
  const payload = (m ? m[2]! : text).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(payload)) throw errors.invalidRequest("Invalid 'audio': must be base64 (or a data: URL).", 'audio');
  if (Math.floor((payload.length * 3) / 4) > maxBytes + 2) {
    throw new GatewayError({ code: 'file_too_large', status: 413, param: 'audio', message: `The audio is larger than the limit of ${maxBytes} bytes.` });
  }
  const audio = Buffer.from(payload, 'base64');
  if (audio.length === 0) throw errors.invalidRequest("Invalid 'audio': it is empty.", 'audio');
  if (audio.length > maxBytes) throw new GatewayError({ code: 'file_too_large', status: 413, param: 'audio', message: `The audio is larger than the limit of ${maxBytes} bytes.` });
  return { audio, mimeType: m?.[1] };
}
