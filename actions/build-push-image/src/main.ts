import { fail } from '../../shared/src/errors.js';
import { requiredInput } from '../../shared/src/inputs.js';

export async function run(): Promise<void> {
  try {
    requiredInput('password', 'pass a registry token: password: ${{ secrets.GITHUB_TOKEN }}');
  } catch (error) {
    fail(error);
  }
}
