// The benchmark's S3 server, in a process of its own so its CPU and memory are not counted as
// the exporter's. Prints one JSON line ({endpoint, accessKeyId, secretAccessKey}) once it listens.
import { startLocalS3 } from '@reportrun/testing';

const server = await startLocalS3({ buckets: [process.env.S3_BUCKET ?? 'reportrun-bench'] });
process.stdout.write(`${JSON.stringify({ endpoint: server.endpoint, accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey })}\n`);
const stop = () => void server.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
