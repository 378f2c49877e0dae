import { startInstance, type Instance, type InstanceConfig } from '../../instance/start-instance.ts';
import { freePort } from './instance-process.ts';

/**
 * A whole instance on the embedded default, in this process (the in-process log, PGlite, the HTTP
 * API on a free port, no generator): what the end-to-end tests of an HTTP feature start. `app`
 * names its group, owner and topics; `processor` and `http` override the defaults.
 */
export async function startEmbeddedInstance(
  app: string,
  opts: { processor?: Partial<InstanceConfig['processor']>; http?: Partial<InstanceConfig['http']>; log?: (line: string) => void } = {},
): Promise<Instance> {
  return startInstance(
    {
      mode: 'embedded',
      processor: { brokers: [], databaseUrl: '', app, groupId: `${app}-processor`, partitions: 1, checkpointIntervalMs: 100, ownerId: `${app}-1`, workers: 0, ...opts.processor },
      http: { port: await freePort(), ...opts.http },
      generatorRate: 0,
    },
    opts.log ?? (() => {}),
  );
}
