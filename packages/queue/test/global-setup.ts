import { createGlobalSetup } from '@reportrun/testing';

// The queue needs no database: Redis comes from REDIS_URL or REDIS_CLUSTER_NODES.
export default createGlobalSetup();
