import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { SyncServer } from '../../examples/server/start-server.ts';
import { startTestServer } from '../helpers/server-lanes.ts';
import { registerPath, request } from '../helpers/server-requests.ts';
import { testMailer } from '../helpers/test-mailer.ts';

const locationPath = (server: SyncServer, appId = server.appId) => `/api/client/v2.0/app/${appId}/location`;

/** GETs the location with a `Host` header of the test's choosing. */
function locationWithHost(server: SyncServer, host: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.httpUrl}${locationPath(server)}`, { headers: { host }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /app/{appId}/location', () => {
  it('names the host the client asked, then the server’s own address; 404 AppNotFound for another app', async () => {
    const server = await startTestServer();
    try {
      const { port } = server;
      const direct = await request(server, 'GET', locationPath(server));
      expect(direct).toMatchObject({ status: 200, body: { deployment_model: 'LOCAL', location: 'self-hosted', hostname: server.httpUrl, ws_hostname: `ws://127.0.0.1:${port}` } });
      expect(direct.headers.get('cache-control')).toBe('no-store');
      expect(await locationWithHost(server, `localhost:${port}`)).toMatchObject({ hostname: `http://localhost:${port}`, ws_hostname: `ws://localhost:${port}` });
      expect(await locationWithHost(server, `[::1]:${port}`)).toMatchObject({ hostname: `http://[::1]:${port}` });
      // A Host that is not a plain host[:port] never becomes a URL: the server's own address is named instead.
      for (const forged of ['evil.example/phish', 'user@evil.example', 'evil.example:1:2']) {
        expect(await locationWithHost(server, forged)).toMatchObject({ hostname: server.httpUrl });
      }
      expect(await request(server, 'GET', locationPath(server, 'other-app'))).toMatchObject({ status: 404, body: { error_code: 'AppNotFound' } });
    } finally {
      await server.close();
    }
  });

  it('names the publicUrl behind a proxy, whatever the Host, and mail links start there too', async () => {
    const mailer = testMailer();
    const server = await startTestServer({ publicUrl: 'https://sync.example.com/api-gateway/', mailer, autoConfirm: false });
    try {
      expect(await locationWithHost(server, 'internal-host:4000')).toEqual({
        deployment_model: 'LOCAL', location: 'self-hosted',
        hostname: 'https://sync.example.com/api-gateway', ws_hostname: 'wss://sync.example.com/api-gateway',
      });
      await request(server, 'POST', registerPath(server), { email: 'ada@example.com', password: 'secret-123' });
      const mail = await mailer.next('ada@example.com', 'confirm');
      expect(mail.link.startsWith('https://sync.example.com/api-gateway/confirm-email?token=')).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('refuses a publicUrl that is not an http(s) origin', async () => {
    await expect(startTestServer({ publicUrl: 'sync.example.com' })).rejects.toThrow('publicUrl must be an absolute http(s) URL');
    await expect(startTestServer({ publicUrl: 'ftp://sync.example.com' })).rejects.toThrow('http: or https:');
    await expect(startTestServer({ publicUrl: 'https://sync.example.com/?x=1' })).rejects.toThrow('no query');
  });
});
