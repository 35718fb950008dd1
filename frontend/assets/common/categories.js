/* Searching the category tree, the one way every face does it (phone, desk, resident).
 *
 * The server sends each node its search terms (name, everyday words, their pinyin and initials:
 * disputes/categories.py search_terms) and marks the catch-all of each kind ("other"), so a search
 * here needs no dictionary and works offline. A search never ends in "no match": when nothing fits,
 * the catch-alls are offered. */

/** code → node with its path of ancestor names, for a tree of {code, name, children}. */
export function index(tree) {
  const byCode = new Map();
  const walk = (nodes, path) => {
    (nodes || []).forEach((node) => {
      byCode.set(node.code, { ...node, path });
      walk(node.children, [...path, node.name]);
    });
  };
  walk(tree, []);
  return byCode;
}

function rank(node, query) {
  const name = node.name.toLowerCase();
  if (name === query || node.code === query) return 0;
  if (name.startsWith(query) || node.code.startsWith(query)) return 1;
  if (name.includes(query)) return 2;
  const terms = (node.terms || "").split(" ");
  if (terms.some((term) => term.startsWith(query))) return 3;
  if (terms.some((term) => term.includes(query))) return 4;
  return -1;
}

/**
 * The nodes of an index() that match a query, best first (exact, prefix, within the name, then
 * within the words and pinyin; deeper categories first among equals, as they say more), at most
 * `limit`. { nodes, fallback }: fallback is true when nothing matched and the catch-alls are offered.
 */
export function search(byCode, query, limit = 50) {
  const wanted = String(query || "")
    .trim()
    .toLowerCase()
    .replace(/\s+/g, "");
  if (!wanted) return { nodes: [], fallback: false };
  const found = [];
  byCode.forEach((node) => {
    const score = rank(node, wanted);
    if (score >= 0) found.push([score, -node.level, node.code, node]);
  });
  found.sort((a, b) => a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : 1));
  if (found.length) return { nodes: found.slice(0, limit).map((entry) => entry[3]), fallback: false };
  const others = Array.from(byCode.values()).filter((node) => node.other);
  return { nodes: others, fallback: true };
}
