// The machine's commands that the rigs start (npm start and npm run bench both need them).
import { execFileSync } from 'node:child_process';

const PREREQUISITES = ['dockerd', 'docker-registry', 'htpasswd', 'mmdebstrap', 'aws', 'tar'];

export function checkPrerequisites(): void {
  const missing = PREREQUISITES.filter((command) => {
    try {
      execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw new Error(
      `missing on this machine: ${missing.join(', ')}. Run \`bash scripts/setup.sh\` (npm start does) as root or with sudo.`
    );
  }
}
