/** One palette for the whole page, so a topic, actor or instance keeps its color across panels. */
export const PALETTE = ['#4aa3ff', '#c084fc', '#2dd4bf', '#fbbf24', '#f472b6', '#a3e635', '#fb923c', '#60a5fa', '#e879f9', '#34d399'];

const KNOWN: Record<string, string> = {
  user_events: '#4aa3ff',
  transaction_events: '#c084fc',
  inventory_events: '#2dd4bf',
  user: '#4aa3ff',
  order: '#c084fc',
  sku: '#2dd4bf',
};

/** A stable color for a name: the contract's topics and actors have fixed ones, others hash into the palette. */
export function colorOf(name: string): string {
  const known = KNOWN[name];
  if (known) return known;
  let hash = 0;
  for (let i = 0; i < name.length; i++) hash = (hash * 31 + name.charCodeAt(i)) >>> 0;
  return PALETTE[hash % PALETTE.length]!;
}

export const SEVERITY_COLORS: Record<string, string> = { critical: '#f85149', warning: '#d29922', info: '#4aa3ff' };
