import { EXEC_CREDENTIAL_FLAG } from './eks-cluster.js';
import { printExecCredential } from './exec-credential-plugin.js';
import { run } from './main.js';

if (process.argv[2] === EXEC_CREDENTIAL_FLAG) printExecCredential(process.argv.slice(3));
else await run();
