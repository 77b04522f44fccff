import { HttpClient } from '@actions/http-client';
import * as tc from '@actions/tool-cache';
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

/** Where tool downloads come from; an object so a test can hand in its own site. */
export interface Downloads {
  /** A small text file's body; non-2xx is an error naming the URL. */
  text(url: string): Promise<string>;
  /** Downloads to a temporary file and returns its path. */
  file(url: string): Promise<string>;
}

export const webDownloads: Downloads = { text: fetchText, file: (url) => tc.downloadTool(url) };
