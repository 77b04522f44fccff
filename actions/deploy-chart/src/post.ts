import { removeSavedDir } from '../../shared/src/cleanup.js';
import { State } from '../../shared/src/state.js';

// The kubeconfig directory also holds the `set` string files; gone even after a failed or
// cancelled main step.
await removeSavedDir(process.env, State.KubeconfigDir, 'the kubeconfig', console.log);
