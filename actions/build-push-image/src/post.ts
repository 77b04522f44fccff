import { cleanup } from './cleanup.js';

await cleanup(process.env, (line) => console.log(line));
