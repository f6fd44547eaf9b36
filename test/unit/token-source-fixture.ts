import type { TokenSource } from '../../src/graphql/authenticated-graphql.ts';

/**
 * A TokenSource over a list of tokens: generation n is tokens[n - 1]. A rejection of the current
 * generation moves to the next token, like a refresh would; stale rejections are ignored, like the
 * session machine does.
 */
export function scriptedTokens(tokens: string[]): TokenSource & { rejectedCalls: number[]; acceptedCalls: number[]; generation(): number } {
  let generation = 1;
  const rejectedCalls: number[] = [];
  const acceptedCalls: number[] = [];
  return {
    rejectedCalls,
    acceptedCalls,
    generation: () => generation,
    async get() {
      const token = tokens[generation - 1];
      if (token === undefined) throw new Error('no token left');
      return { token, generation };
    },
    rejected(gen) {
      rejectedCalls.push(gen);
      if (gen === generation) generation++;
    },
    accepted(gen) {
      acceptedCalls.push(gen);
    },
  };
}
