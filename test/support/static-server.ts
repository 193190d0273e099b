import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

export interface StaticServer {
  /** Base URL of the mount, always ending with '/', e.g. `http://127.0.0.1:41234/consent/`. */
  readonly url: string;
  close(): Promise<void>;
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * Serves a built SPA directory under `mountPath` on loopback, as CloudFront or the sandbox would:
 * directories answer with their index.html, anything outside the directory is a 404.
 */
export async function startStaticServer(root: string, mountPath = '/'): Promise<StaticServer> {
  const mount = mountPath.endsWith('/') ? mountPath : `${mountPath}/`;
  const server = createServer(async (request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (`${pathname}/` === mount) {
      response.writeHead(308, { location: mount }).end();
      return;
    }
    const file = pathname.startsWith(mount)
      ? resolveInside(root, decodeURIComponent(pathname.slice(mount.length)))
      : undefined;
    const body = file && (await readFileOrIndex(file));
    if (!file || !body) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    response
      .writeHead(200, {
        'content-type': contentTypes[extname(body.path)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      })
      .end(body.content);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${mount}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Browsers keep idle connections open; without this, close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

function resolveInside(root: string, relativePath: string): string | undefined {
  const file = normalize(join(root, relativePath));
  return file === root || file.startsWith(root.endsWith(sep) ? root : `${root}${sep}`) ? file : undefined;
}

async function readFileOrIndex(file: string): Promise<{ path: string; content: Buffer } | undefined> {
  const info = await stat(file).catch(() => undefined);
  if (!info) return undefined;
  const path = info.isDirectory() ? join(file, 'index.html') : file;
  const content = await readFile(path).catch(() => undefined);
  return content && { path, content };
}
