import { HttpClient } from '@actions/http-client';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const http = new HttpClient('basickapp-deploy-chart');

/** GETs a small text file (a version pointer, a .sha256sum); non-2xx is an error naming the URL. */
export async function fetchText(url: string): Promise<string> {
  let response;
  try {
    response = await http.get(url);
  } catch (error) {
    throw new Error(`cannot reach ${url}: ${(error as Error).message}`, { cause: error });
  }
  const body = await response.readBody();
  const status = response.message.statusCode ?? 0;
  if (status < 200 || status >= 300) throw new Error(`GET ${url} answered HTTP ${status}`);
  return body;
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
