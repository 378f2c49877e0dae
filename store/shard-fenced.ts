import { PipelineError } from '../schemas/index.ts';

/**
 * A checkpoint was refused because another owner acquired the shard since: this process is a
 * zombie for that shard and must drop it (its in-memory state is stale).
 */
export class ShardFenced extends PipelineError {
  constructor(
    readonly shard: string,
    readonly epoch: number,
    readonly currentEpoch: number | undefined,
  ) {
    super('FENCED', `shard ${shard}: checkpoint at epoch ${epoch} refused, current epoch is ${currentEpoch ?? 'none'}`);
    this.name = 'ShardFenced';
  }
}
