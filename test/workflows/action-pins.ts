// Which `uses:` references in a workflow are third-party actions not pinned to a full
// commit SHA with a version comment (a moved tag can run code nobody reviewed).
export interface UsesFinding {
  line: number;
  uses: string;
  problem: string;
}

const FULL_SHA = /^[0-9a-f]{40}$/;

export function unpinnedUses(workflowText: string): UsesFinding[] {
  const findings: UsesFinding[] = [];
  workflowText.split('\n').forEach((text, index) => {
    const match = /^\s*(?:-\s+)?uses:\s*['"]?([^'"\s#]+)['"]?\s*(#\s*(\S+))?/.exec(text);
    if (!match) return;
    const [, uses, , comment] = match;
    if (uses.startsWith('./') || uses.startsWith('docker://')) return;
    const ref = uses.includes('@') ? uses.slice(uses.lastIndexOf('@') + 1) : '';
    const line = index + 1;
    if (!FULL_SHA.test(ref))
      findings.push({ line, uses, problem: 'not pinned to a full commit SHA' });
    else if (!comment || !/^v\d/.test(comment))
      findings.push({ line, uses, problem: 'pinned SHA has no "# vX.Y.Z" version comment' });
  });
  return findings;
}
