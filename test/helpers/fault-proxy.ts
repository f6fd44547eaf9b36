export * from '../../src/testing/fault-proxy.ts';
