import { envPrefix, ProviderDirectory } from './provider-config';

const CATALOG_URL = 'https://api.openai.com/v1';

describe('envPrefix', () => {
  it('upper-cases the slug and turns anything else into underscores', () => {
    expect(envPrefix('openai')).toBe('OPENAI');
    expect(envPrefix('together-ai')).toBe('TOGETHER_AI');
    expect(envPrefix('fireworks.ai')).toBe('FIREWORKS_AI');
    expect(envPrefix('x2')).toBe('X2');
  });
});

describe('ProviderDirectory', () => {
  describe('isEnabled', () => {
    it('enables a provider whose key is set', () => {
      const dir = new ProviderDirectory({ OPENAI_API_KEY: 'sk-live', TOGETHER_AI_API_KEY: 'tk' });
      expect(dir.isEnabled('openai')).toBe(true);
      expect(dir.isEnabled('together-ai')).toBe(true);
    });

    it('disables a provider without a key, or with a blank one', () => {
      const dir = new ProviderDirectory({ GROQ_API_KEY: '', DEEPSEEK_API_KEY: '   \t' });
      expect(dir.isEnabled('openai')).toBe(false);
      expect(dir.isEnabled('groq')).toBe(false);
      expect(dir.isEnabled('deepseek')).toBe(false);
    });

    it('does not read a key under another provider name', () => {
      expect(new ProviderDirectory({ OPENROUTER_API_KEY: 'k' }).isEnabled('openai')).toBe(false);
    });

    it('enables sim by default, with no key', () => {
      expect(new ProviderDirectory({}).isEnabled('sim')).toBe(true);
      expect(new ProviderDirectory({ SIM_ENABLED: 'true' }).isEnabled('sim')).toBe(true);
    });

    it.each(['false', 'FALSE', 'False'])('disables sim with SIM_ENABLED=%s', (value) => {
      expect(new ProviderDirectory({ SIM_ENABLED: value }).isEnabled('sim')).toBe(false);
    });

    it('enables KEYLESS_PROVIDERS without a key, trimming the list', () => {
      const dir = new ProviderDirectory({ KEYLESS_PROVIDERS: ' ollama , vllm,,', SIM_ENABLED: 'false' });
      expect(dir.isEnabled('ollama')).toBe(true);
      expect(dir.isEnabled('vllm')).toBe(true);
      expect(dir.isEnabled('')).toBe(false);
      expect(dir.isEnabled('openai')).toBe(false);
      expect(dir.isEnabled('sim')).toBe(false);
    });

    it('defaults to process.env', () => {
      const saved = process.env.GWZ_SPEC_PROBE_API_KEY;
      process.env.GWZ_SPEC_PROBE_API_KEY = 'k';
      try {
        expect(new ProviderDirectory().isEnabled('gwz-spec-probe')).toBe(true);
      } finally {
        if (saved === undefined) delete process.env.GWZ_SPEC_PROBE_API_KEY;
        else process.env.GWZ_SPEC_PROBE_API_KEY = saved;
      }
    });
  });

  describe('credentials', () => {
    it('returns the trimmed key and the catalog base URL', () => {
      expect(new ProviderDirectory({ OPENAI_API_KEY: '  sk-abc \n' }).credentials('openai', CATALOG_URL)).toEqual({ apiKey: 'sk-abc', baseUrl: CATALOG_URL });
    });

    it('returns no key when absent or blank', () => {
      expect(new ProviderDirectory({}).credentials('openai', CATALOG_URL).apiKey).toBeUndefined();
      expect(new ProviderDirectory({ OPENAI_API_KEY: '  ' }).credentials('openai', CATALOG_URL).apiKey).toBeUndefined();
    });

    it('lets <SLUG>_BASE_URL override the catalog base URL', () => {
      const dir = new ProviderDirectory({ OLLAMA_BASE_URL: ' http://127.0.0.1:11434/v1 ', KEYLESS_PROVIDERS: 'ollama' });
      expect(dir.credentials('ollama', 'http://localhost:11434/v1')).toEqual({ apiKey: undefined, baseUrl: 'http://127.0.0.1:11434/v1' });
    });

    it('ignores a blank base URL override', () => {
      expect(new ProviderDirectory({ OPENAI_BASE_URL: ' ' }).credentials('openai', CATALOG_URL).baseUrl).toBe(CATALOG_URL);
    });

    it('reads dashed slugs from underscored variables', () => {
      const dir = new ProviderDirectory({ TOGETHER_AI_API_KEY: 'tk', TOGETHER_AI_BASE_URL: 'https://proxy.test/v1' });
      expect(dir.credentials('together-ai', 'https://api.together.xyz/v1')).toEqual({ apiKey: 'tk', baseUrl: 'https://proxy.test/v1' });
    });
  });
});
