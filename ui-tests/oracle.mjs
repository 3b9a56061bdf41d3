// What the widget should draw, derived from what the kernel recorded (expected_graph.py).
// Contract (shared/CONTRACT.md): an op node's id is its label; a collapsed module's id is
// "module:" + address, plus ":" + call when that module ran more than once.
// Buffers (role "buffer": BatchNorm running stats) are hidden by default, as in TorchLens; an
// oracle for the view with buffers shown includes them: { includeRoles: ALL_ROLES }.

export const ALL_ROLES = ['input', 'output', 'op', 'buffer'];

export class GraphOracle {
  /** @param {{ops: {id: string, role: string, module_stack: string[]}[], modules: Record<string, number>}} graph */
  constructor(graph, { includeRoles = ['input', 'output', 'op'] } = {}) {
    this.ops = graph.ops.filter((op) => includeRoles.includes(op.role));
    this.numCalls = graph.modules;
  }

  /** "features.6:2" (a module_stack entry) -> its collapsed node id. */
  moduleNodeId(entry) {
    const cut = entry.lastIndexOf(':');
    const address = entry.slice(0, cut);
    return (this.numCalls[address] ?? 1) > 1 ? `module:${entry}` : `module:${address}`;
  }

  /** Every op drawn as itself: the fully expanded view. */
  allOpIds() {
    return this.ops.map((op) => op.id).sort();
  }

  /** Module node ids that contain at least one op. */
  allModuleIds() {
    return [...new Set(this.ops.flatMap((op) => op.module_stack.map((e) => this.moduleNodeId(e))))].sort();
  }

  /** The view with exactly the given module nodes collapsed (outermost wins). */
  viewWithCollapsed(collapsedIds) {
    const collapsed = new Set(collapsedIds);
    const visible = new Set();
    for (const op of this.ops) {
      const outer = op.module_stack.map((e) => this.moduleNodeId(e)).find((id) => collapsed.has(id));
      visible.add(outer ?? op.id);
    }
    return [...visible].sort();
  }

  /**
   * Problems with a visible set: each op must be drawn exactly once, as itself or inside one
   * collapsed module, and every drawn id must be an op or a module that holds ops.
   */
  coverageProblems(visibleIds) {
    const visible = new Set(visibleIds);
    const known = new Set([...this.allOpIds(), ...this.allModuleIds()]);
    const problems = [...visible].filter((id) => !known.has(id)).map((id) => `unknown node ${id}`);
    for (const op of this.ops) {
      const covers = [op.id, ...op.module_stack.map((e) => this.moduleNodeId(e))].filter((id) => visible.has(id));
      if (covers.length !== 1) problems.push(`${op.id} drawn ${covers.length} times (${covers.join(', ')})`);
    }
    return problems;
  }
}

/** A readable difference between two id lists, or '' when they hold the same ids. */
export function diffIds(actual, expected) {
  const a = new Set(actual);
  const e = new Set(expected);
  const missing = [...e].filter((id) => !a.has(id));
  const extra = [...a].filter((id) => !e.has(id));
  const parts = [];
  if (missing.length) parts.push(`missing ${missing.join(', ')}`);
  if (extra.length) parts.push(`unexpected ${extra.join(', ')}`);
  if (actual.length !== a.size) parts.push(`duplicates in ${actual.length} ids`);
  return parts.join('; ');
}
