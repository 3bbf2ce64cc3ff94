import { audioFormatOf, decodeBase64Audio } from './audio-upload';

describe('audio format', () => {
  it('from a declared format, else the extension, else the media type', () => {
    expect(audioFormatOf({ declared: 'MP3', filename: 'x.wav' })).toBe('mp3');
    expect(audioFormatOf({ filename: 'Meeting.M4A', mimeType: 'audio/wav' })).toBe('m4a');
    expect(audioFormatOf({ filename: 'blob', mimeType: 'audio/x-wav; codecs=1' })).toBe('wav');
  });

  it('anything else is a 400 on `file` naming the supported formats', () => {
    const list = 'Supported formats: flac, m4a, mp3, mp4, mpeg, mpga, oga, ogg, wav, webm.';
    expect(() => audioFormatOf({ filename: 'notes.txt' })).toThrow(`Unsupported audio format '.txt'. ${list}`);
    expect(() => audioFormatOf({ declared: 'aiff' })).toThrow(`Unsupported audio format 'aiff'. ${list}`);
    expect(() => audioFormatOf({ filename: 'blob', mimeType: 'application/octet-stream' })).toThrow(list);
    try {
      audioFormatOf({ filename: 'x.exe' });
    } catch (err) {
      expect(err).toMatchObject({ status: 400, param: 'file', code: 'unsupported_audio_format' });
    }
  });
});

describe('base64 audio', () => {
  it('decodes plain base64 and data: URLs (with their media type)', () => {
    expect(decodeBase64Audio(Buffer.from('RIFF').toString('base64'), 100)).toEqual({ audio: Buffer.from('RIFF'), mimeType: undefined });
    expect(decodeBase64Audio(`data:audio/mpeg;base64,${Buffer.from('ID3').toString('base64')}`, 100)).toEqual({ audio: Buffer.from('ID3'), mimeType: 'audio/mpeg' });
  });

  it('rejects non-base64 (400), empty (400) and too large (413)', () => {
    expect(() => decodeBase64Audio('not base64!', 100)).toThrow(expect.objectContaining({ status: 400, param: 'audio' }));
    expect(() => decodeBase64Audio('', 100)).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => decodeBase64Audio(Buffer.alloc(300).toString('base64'), 100)).toThrow(expect.objectContaining({ status: 413 }));
  });
});
