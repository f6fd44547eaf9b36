// How the demo talks: one line per thing that happened, with the time since the start and who did it.
// Colours on a terminal (unless NO_COLOR is set), plain text when piped or captured.

/** The look of a line. */
export type Tone = 'plain' | 'good' | 'warn' | 'bad' | 'dim';

/** Who a line is about; each has a colour of its own. */
export type Actor = 'server' | 'phone' | 'laptop' | 'demo';

/** The demo's output. */
export interface Timeline {
  /** A numbered chapter of the story, with a one-line explanation. */
  step(title: string, why?: string): void;
  /** Something an actor did or saw. */
  line(actor: Actor, text: string, tone?: Tone): void;
  /** A two-column table (the summary). */
  table(rows: [string, string, Tone?][]): void;
  /** Text without a time or actor. */
  note(text: string, tone?: Tone): void;
  /** Seconds since the demo started, e.g. `12.3`. */
  elapsed(): number;
}

const CODES: Record<Tone | Actor | 'bold', [number, number]> = {
  plain: [0, 0],
  good: [32, 39],
  warn: [33, 39],
  bad: [31, 39],
  dim: [2, 22],
  bold: [1, 22],
  server: [35, 39],
  phone: [36, 39],
  laptop: [34, 39],
  demo: [2, 22],
};

/**
 * A timeline writing to `out`; colours only when `color` (default: FORCE_COLOR, else `out` is a
 * terminal and NO_COLOR is unset).
 *
 * @example
 * const t = createTimeline();
 * t.step('Log in on both devices');
 * t.line('phone', 'session active', 'good');
 */
export function createTimeline(options: { out?: NodeJS.WritableStream & { isTTY?: boolean }; color?: boolean } = {}): Timeline {
  const out = options.out ?? process.stdout;
  const env = process.env;
  const color = options.color ?? (env['FORCE_COLOR'] ? env['FORCE_COLOR'] !== '0' : out.isTTY === true && !env['NO_COLOR'] && env['TERM'] !== 'dumb');
  const start = performance.now();
  let steps = 0;
  const paint = (style: keyof typeof CODES, text: string): string => {
    const [on, off] = CODES[style];
    return color && on !== 0 ? `\u001b[${on}m${text}\u001b[${off}m` : text;
  };
  const elapsed = (): number => (performance.now() - start) / 1000;
  const write = (text: string): void => void out.write(`${text}\n`);
  return {
    step(title, why) {
      steps += 1;
      write('');
      write(paint('bold', `── ${steps}. ${title}`));
      if (why) write(paint('dim', `   ${why}`));
    },
    line(actor, text, tone = 'plain') {
      const time = `${elapsed().toFixed(1).padStart(5)} s`;
      write(`${paint('dim', time)}  ${paint(actor, actor.padEnd(6))}  ${paint(tone, text)}`);
    },
    table(rows) {
      const width = Math.max(...rows.map(([label]) => label.length));
      for (const [label, value, tone = 'plain'] of rows) write(`   ${label.padEnd(width)}  ${paint(tone, value)}`);
    },
    note(text, tone = 'plain') {
      write(paint(tone, text));
    },
    elapsed,
  };
}
