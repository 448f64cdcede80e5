import { createGlobalSetup } from '@reportrun/testing';

export default createGlobalSetup();
