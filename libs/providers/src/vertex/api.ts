/** Transport only (Vertex AI): the regional endpoint of a Google publisher model. */
export const VERTEX_DEFAULT_LOCATION = 'us-central1';

/**
 * `base` may carry a `{location}` placeholder (the catalog's https://{location}-aiplatform.googleapis.com);
 * the global location has no regional prefix.
 */
export function vertexUrl(options: { baseUrl: string; project: string; location: string; model: string; stream: boolean }): string {
  const { project, location, model, stream } = options;
  const base = options.baseUrl
    .replace(/\/+$/, '')
    .replace('{location}-', location === 'global' ? '' : `${location}-`)
    .replace('{location}', location);
  const resource = `projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}/publishers/google/models/${encodeURIComponent(model)}`;
  return `${base}/v1/${resource}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
}
