// Runs inside a rig's network namespace (started with `nsenter --net=…`): listens on
// 127.0.0.1:PORT there for each PORT given and pipes every connection to the unix socket
// DIR/PORT.sock, which the rig serves from the machine's own namespace by connecting to
// 127.0.0.1:PORT there. So a daemon in the namespace reaches exactly these loopback
// services of the machine, under the same addresses, and nothing else.
// Usage: node netns-forwarder.mjs DIR PORT... ; prints "ready" once every port listens.
import net from 'node:net';
import path from 'node:path';

const [dir, ...ports] = process.argv.slice(2);
let listening = 0;
for (const port of ports) {
  const server = net.createServer((inside) => {
    const outside = net.connect(path.join(dir, `${port}.sock`));
    inside.pipe(outside).pipe(inside);
    inside.on('error', () => outside.destroy());
    outside.on('error', () => inside.destroy());
  });
  server.listen(Number(port), '127.0.0.1', () => {
    listening += 1;
    if (listening === ports.length) console.log('ready');
  });
}
if (ports.length === 0) console.log('ready');
