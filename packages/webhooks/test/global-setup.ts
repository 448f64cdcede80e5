import { migrateDatabase } from '@reportrun/db';
import { createGlobalSetup } from '@reportrun/testing';

export default createGlobalSetup({ migrate: migrateDatabase });
