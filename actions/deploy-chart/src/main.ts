import { fail } from '../../shared/src/errors.js';
import { requiredInput } from '../../shared/src/inputs.js';

export async function run(): Promise<void> {
  try {
    requiredInput(
      'kubeconfig',
      'pass the base64 KUBECONFIG secret: kubeconfig: ${{ secrets.KUBECONFIG }}'
    );
  } catch (error) {
    fail(error);
  }
}
