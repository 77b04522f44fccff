import { removeSavedDir } from '../../shared/src/cleanup.js';
import { State } from '../../shared/src/state.js';

await removeSavedDir(process.env, State.RegistryAuthDir, 'registry credentials', console.log);
