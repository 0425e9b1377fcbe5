// Preloaded into Azurite by the .NET test infrastructure (`node --require exit-with-parent.cjs ...`).
// The test process holds this process's stdin pipe; when the test process goes away for any reason
// (normal exit, crash, killed by a test-run timeout) the pipe closes and Azurite exits with it,
// so an aborted test run never leaves a node process listening on a loopback port.
'use strict';
const exit = () => process.exit(0);
process.stdin.on('end', exit);
process.stdin.on('close', exit);
process.stdin.on('error', exit);
process.stdin.resume();
