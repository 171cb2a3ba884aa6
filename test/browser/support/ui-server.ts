import { join } from 'node:path';
import { openRegistry, type Registry } from '@leakproof/registry';
import { startServer } from '@leakproof/server';

export interface UiServer {
  url: string;
  registry: Registry;
  close(): Promise<void>;
}

/**
 * `leakproof server` as the CLI starts it (loopback, the dashboard built on first start), in this process over
 * the project's embedded registry, so the test can log into the very registry the page is showing.
 */
export async function startUiServer(cwd: string): Promise<UiServer> {
  const registry = await openRegistry({ dir: join(cwd, '.leakproof', 'registry') });
  const server = await startServer({ registry, cwd, host: '127.0.0.1', port: 0 });
  return {
    url: server.url,
    registry,
    close: async () => {
      await server.close();
      await registry.close();
    },
  };
}
