/// <reference lib="dom" />
import type { DashboardSnapshot, ShardOwner } from '../../snapshot.ts';
import { PALETTE } from '../colors.ts';
import { byTestId, emptyState, h, replace } from '../dom.ts';
import { fmtDateTime } from '../format.ts';

/**
 * Which instance owns which shard: rows are actor types, columns partitions (shard ids are
 * `<actorType>/<partition>`), each cell colored by its owner; the legend names the owners.
 */
export function createOwnershipPanel(root: HTMLElement) {
  const body = byTestId(root, 'ownership-body');
  const legend = byTestId(root, 'ownership-legend');
  return {
    update(s: DashboardSnapshot) {
      if (s.ownership.length === 0) {
        replace(legend);
        return replace(body, emptyState('No shard owners registered yet'));
      }
      const owners = [...new Set(s.ownership.map((o) => o.owner))].sort();
      const colorOfOwner = (owner: string) => PALETTE[owners.indexOf(owner) % PALETTE.length]!;
      const groups = groupShards(s.ownership);
      const partitions = [...new Set(groups.flatMap((g) => g.cells.map((c) => c.partition)))].sort((a, b) => a - b);
      const header = h('div', { class: 'own-row own-head' }, h('div', { class: 'own-type' }), ...partitions.map((p) => h('div', { class: 'own-cell head' }, String(p))));
      const rows = groups.map((g) =>
        h(
          'div',
          { class: 'own-row' },
          h('div', { class: 'own-type' }, g.type),
          ...partitions.map((p) => {
            const cell = g.cells.find((c) => c.partition === p);
            if (!cell) return h('div', { class: 'own-cell none' });
            const o = cell.owner;
            const self = o.owner === s.instance;
            return h('div', {
              class: self ? 'own-cell self' : 'own-cell',
              style: `--c:${colorOfOwner(o.owner)}`,
              title: `${o.shard} → ${o.owner}${o.httpAddress ? ` (${o.httpAddress})` : ''}\nepoch ${o.epoch}, since ${fmtDateTime(o.acquiredAt)}`,
              'data-testid': 'ownership-cell',
              'data-shard': o.shard,
              'data-owner': o.owner,
              'data-epoch': o.epoch,
            });
          }),
        ),
      );
      replace(body, h('div', { class: 'own-grid', style: `--cols:${partitions.length}` }, header, ...rows));
      replace(
        legend,
        ...owners.map((owner) => {
          const held = s.ownership.filter((o) => o.owner === owner);
          const address = held.find((o) => o.httpAddress)?.httpAddress;
          return h(
            'div',
            { class: 'own-owner', 'data-testid': 'ownership-owner', 'data-owner': owner },
            h('i', { class: 'swatch block', style: `--c:${colorOfOwner(owner)}` }),
            h('span', { class: 'own-name', title: address ?? '' }, owner),
            owner === s.instance ? h('span', { class: 'tag' }, 'this') : null,
            h('span', { class: 'muted' }, `${held.length} shard${held.length === 1 ? '' : 's'}`),
          );
        }),
      );
    },
  };
}

interface ShardGroup {
  type: string;
  cells: { partition: number; owner: ShardOwner }[];
}

function groupShards(ownership: ShardOwner[]): ShardGroup[] {
  const groups = new Map<string, ShardGroup>();
  ownership.forEach((o, i) => {
    const m = /^(.*)\/(\d+)$/.exec(o.shard);
    // A shard id that is not `<type>/<partition>` still shows, in a row of its own kind.
    const type = m ? m[1]! : 'other';
    const partition = m ? Number(m[2]) : i;
    const g = groups.get(type) ?? { type, cells: [] };
    g.cells.push({ partition, owner: o });
    groups.set(type, g);
  });
  return [...groups.values()].sort((a, b) => a.type.localeCompare(b.type));
}
