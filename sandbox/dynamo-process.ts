/**
 * The sandbox's DynamoDB in its own process (forked by `startLocalDynamo({ separateProcess: true })`):
 * dynalite's request handling and LevelDB work get their own core instead of sharing the handlers' event
 * loop, much as DynamoDB is a service of its own on AWS. argv: <port> <host> [<LevelDB path>]. Reports
 * the bound port over IPC; closes on 'close'; exits when the parent goes away, even after a SIGKILL, so it
 * never lingers holding the LevelDB lock.
 */
import { startLocalDynamo } from './dynamo';

async function main() {
  const [port, host, path] = process.argv.slice(2);
  const dynamo = await startLocalDynamo({ port: Number(port), host, path: path || undefined });
  process.on('disconnect', () => process.exit(0));
  process.on('message', async (message) => {
    if (message !== 'close') return;
    await dynamo.close();
    process.exit(0);
  });
  process.send?.({ port: dynamo.port });
}

main().catch((error: unknown) => {
  console.error('sandbox dynalite failed:', error);
  process.exit(1);
});
