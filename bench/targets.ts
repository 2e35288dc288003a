// Issue 11's targets, in one table: each figure the bench judges, which way is better, and its bound. Every ratio
// reads "relay as good as the baseline" = 1.0. A full run prints each figure beside its target and exits 1 when one
// is missed; a smoke run is too small for any figure to mean something and judges none (only the sends ledger).
// CPU per post is judged against the durable minimal forwarder: a floor that keeps exactly-once as the relay does
// (a claim before the send, a completion after it, the content's digest), which the relay's group commit and its
// message read once must beat; the stateless forwarder's ratio is printed beside it, not judged.
export interface Target {
  figure: string;
  at: 'least' | 'most';
  bound: number;
}

export const TARGETS = {
  cpuNotification: { figure: 'CPU per post, notification (durable minimal ÷ relay)', at: 'least', bound: 1.0 },
  cpuNewsletter: { figure: 'CPU per post, newsletter (durable minimal ÷ relay)', at: 'least', bound: 1.0 },
  cpuAttachment: { figure: 'CPU per post, attachment (durable minimal ÷ relay)', at: 'least', bound: 1.0 },
  cpuRaw: { figure: 'CPU per post, raw (durable minimal ÷ relay)', at: 'least', bound: 1.0 },
  cpuMix: { figure: 'CPU per post, the mix (durable minimal ÷ relay)', at: 'least', bound: 1.0 },
  idleRss: { figure: 'idle RSS after start (relay ÷ minimal)', at: 'most', bound: 1.15 },
  start: { figure: 'start to first 200 (relay ÷ minimal)', at: 'most', bound: 1.3 },
  memoryAttachment: { figure: 'peak RSS over idle, 25 MB attachment (÷ size)', at: 'most', bound: 1.2 },
  memoryRaw: { figure: 'peak RSS over idle, 25 MB raw message (÷ size)', at: 'most', bound: 1.2 },
  rulesAtScale: { figure: 'CPU per post, 10,000 users (5 users ÷ 10,000)', at: 'least', bound: 0.95 },
  dmarcLookups: { figure: 'DNS questions per name, one relay, a raw burst', at: 'most', bound: 1 },
} as const satisfies Record<string, Target>;

export type TargetName = keyof typeof TARGETS;

export interface Verdict {
  name: TargetName;
  figure: string;
  value: number;
  /** `≥ 1`, `≤ 1.15`. */
  target: string;
  /** Null when not judged (smoke). */
  met: boolean | null;
  /** The measurements behind the figure, for the summary. */
  detail: string;
}

export function judge(name: TargetName, value: number, detail: string, judged: boolean): Verdict {
  const { figure, at, bound } = TARGETS[name];
  // NaN (nothing measured) is a miss, not a pass.
  const met = at === 'least' ? value >= bound : value <= bound;
  return { name, figure, value, target: `${at === 'least' ? '≥' : '≤'} ${bound}`, met: judged ? met : null, detail };
}
