import { multipartBody } from './multipart';

describe('multipartBody', () => {
  it('writes fields and files between boundaries, escaping quotes in names', () => {
    const { body, contentType } = multipartBody([
      { name: 'model', value: 'whisper-1' },
      { name: 'file', filename: 'a "b".wav', contentType: 'audio/wav', data: new Uint8Array([0, 255]) },
    ]);
    const boundary = /boundary=(.+)$/.exec(contentType)![1]!;
    expect(body.toString('latin1')).toBe(
      `--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\nwhisper-1\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a %22b%22.wav"\r\nContent-Type: audio/wav\r\n\r\n\u0000\u00ff\r\n` +
        `--${boundary}--\r\n`,
    );
  });
});
