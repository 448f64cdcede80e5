// The submit benchmark's reference: an Express 5 app that parses the same JSON body and answers
// 201, with nothing else. Prints its URL once it listens.
import express from 'express';

const app = express();
app.use(express.json());
app.post('/v2/reporting/report_runs', (request, response) => {
  response.status(201).json({ id: 'reprun_hello', object: 'v2.reporting.report_run', received: Object.keys(request.body as object).length });
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`HELLO_URL=http://127.0.0.1:${address.port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
